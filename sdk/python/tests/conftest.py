"""Fixtures: real servers (one for the session, fresh ones where a test restarts it) and SDK clients."""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator, Callable, Iterator, List

import pytest

from _proxy import TcpProxy
from _server import ServerProcess
from agent_sdk import AgentClient

ClientFactory = Callable[..., AgentClient]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The server most tests share; tests use unique names so they never collide."""
    process = ServerProcess(tmp_path_factory.mktemp("server"))
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="session")
def presence_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server that takes agents offline 2 s after their last connection closes."""
    process = ServerProcess(
        tmp_path_factory.mktemp("presence-server"), {"AgentChannel__Presence__OfflineAfterSeconds": "2"}
    )
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def restartable_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of this test's own, which it may restart (same SQLite file, same port)."""
    process = ServerProcess(tmp_path / "restartable")
    process.directory.mkdir()
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(autouse=True)
def token_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Token files go to this test's temporary folder, never to the home directory."""
    directory = tmp_path / "tokens"
    monkeypatch.setenv("AGENT_SDK_TOKEN_DIR", str(directory))
    return directory


@pytest.fixture
async def clients() -> AsyncIterator[ClientFactory]:
    """Makes AgentClients with quick reconnection settings and closes them all after the test."""
    made: List[AgentClient] = []

    def make(name: str, server_url: str, **options: object) -> AgentClient:
        options.setdefault("reconnect_initial_delay", 0.05)
        options.setdefault("reconnect_max_delay", 0.5)
        options.setdefault("request_timeout", 20.0)
        client = AgentClient(name=name, agent_type="llm", server_url=server_url, **options)  # type: ignore[arg-type]
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


@pytest.fixture
async def proxy(server: ServerProcess) -> AsyncIterator[TcpProxy]:
    """A cuttable TCP relay in front of the session server."""
    relay = await TcpProxy("127.0.0.1", server.port).start()
    yield relay
    await relay.close()
