"""Shared bits of the examples: command-line options and finding agent_sdk without installing it."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if importlib.util.find_spec("agent_sdk") is None:  # running from a checkout: use the package next door
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if TYPE_CHECKING:
    from agent_sdk import AgentClient


def options(description: str, name: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--server", default=os.environ.get("AGENTCHANNEL_URL", "http://localhost:5000"),
                        help="server URL (default: $AGENTCHANNEL_URL or http://localhost:5000)")
    parser.add_argument("--name", default=name, help=f"this agent's name (default: {name})")
    parser.add_argument("-v", "--verbose", action="store_true", help="log the SDK's connection events")
    return parser


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")


def stop_on_signals(agent: "AgentClient") -> None:
    """Ctrl+C and SIGTERM (``docker stop``, systemd) make ``run_forever()`` return and close the agent
    cleanly, acknowledging what it processed. Not available on Windows, where Ctrl+C still cancels."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, agent.stop)
        except (NotImplementedError, RuntimeError):
            pass
