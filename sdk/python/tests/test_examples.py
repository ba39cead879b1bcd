"""The two example agents cooperate against a real server."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from _helpers import unique
from _server import ServerProcess

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


async def test_researcher_and_analyst_examples_finish_their_work(server: ServerProcess, token_dir: Path) -> None:
    analyst_name, researcher_name = unique("analyst"), unique("researcher")
    env = {**os.environ, "AGENT_SDK_TOKEN_DIR": str(token_dir), "PYTHONUNBUFFERED": "1"}
    analyst = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLES / "analyst.py"), "--server", server.url, "--name", analyst_name,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        assert analyst.stdout is not None
        first_line = await asyncio.wait_for(analyst.stdout.readline(), 20)  # connected and registered
        assert b"waiting for tasks" in first_line, first_line
        researcher = await asyncio.create_subprocess_exec(
            sys.executable, str(EXAMPLES / "researcher.py"), "--server", server.url, "--name", researcher_name,
            "--analyst", analyst_name, "--datasets", "2",
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(researcher.communicate(), 60)
        text = output.decode()
        assert researcher.returncode == 0, text
        assert "all tasks closed" in text and text.count(": mean ") >= 2, text
    finally:
        if analyst.returncode is None:
            analyst.send_signal(signal.SIGTERM)  # the example stops cleanly on SIGTERM
        rest, _ = await asyncio.wait_for(analyst.communicate(), 20)
    analyst_text = first_line.decode() + rest.decode()
    assert analyst_text.count("completed 'Analyze dataset") == 2, analyst_text
    assert "Starting research task..." in analyst_text
    assert analyst.returncode == 0, analyst_text
