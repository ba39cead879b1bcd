"""The token from the first registration makes a restarted agent resume as itself, over the WebSocket and over
plain HTTP (where registration is REST's) alike."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from _helpers import Recorder, unique
from _server import ServerProcess
from agent_sdk import AuthenticationError, ConflictError, InvalidRequestError, Message, NotFoundError

# The agent under test connects each way; the other agents in a test use the WebSocket.
pytestmark = pytest.mark.parametrize("transport", ["websocket", "sse"])


async def test_a_new_client_with_the_same_name_resumes_as_itself_from_the_token_file(
    server: ServerProcess, clients: Any, token_dir: Path, transport: str
) -> None:
    name = unique("resumer")
    first = clients(name, server.url, capabilities=["research"], metadata={"model": "m1"}, transport=transport)
    info = await first.connect()
    assert first.token_file == token_dir / f"127.0.0.1_{server.port}" / f"{name}.token"
    assert first.token_file.read_text().strip() == first.token
    assert stat.S_IMODE(os.stat(first.token_file).st_mode) == 0o600
    assert info.capabilities == ["research"] and info.metadata == {"model": "m1"}
    await first.close()

    sender = clients(unique("sender"), server.url)
    await sender.connect()
    await sender.send_message("while you were away", recipients=[name])

    second = clients(name, server.url, capabilities=["research", "analysis"], transport=transport)
    inbox: Recorder[Message] = Recorder()
    second.on_message(inbox.add)
    again = await second.connect()
    assert again.id == info.id and second.token == first.token
    assert again.capabilities == ["research", "analysis"]  # the profile is updated on reconnect
    assert [m.content for m in await inbox.wait_for_count(1, "messages")] == ["while you were away"]


async def test_an_explicit_token_and_token_file_argument_are_used(
    server: ServerProcess, clients: Any, tmp_path: Path, transport: str
) -> None:
    name = unique("explicit")
    own_file = tmp_path / "elsewhere" / "agent.token"
    first = clients(name, server.url, token_file=own_file, transport=transport)
    info = await first.connect()
    assert own_file.read_text().strip() == first.token
    await first.close()

    by_token = clients(name, server.url, token=first.token, token_file=tmp_path / "unused.token", transport=transport)
    assert (await by_token.connect()).id == info.id
    assert not (tmp_path / "unused.token").exists()

    # REST works with a known token before connecting.
    reader = clients(name, server.url, token_file=own_file, transport=transport)
    assert name in {a.name for a in await reader.list_agents()}


async def test_a_stale_token_file_for_a_free_name_registers_anew(
    server: ServerProcess, clients: Any, transport: str
) -> None:
    client = clients(unique("stale"), server.url, transport=transport)
    client.token_file.parent.mkdir(parents=True, exist_ok=True)
    client.token_file.write_text("ac_c3RhbGU_bm90LWEtcmVhbC10b2tlbg\n")
    await client.connect()
    assert client.token is not None and client.token.startswith("ac_")
    assert client.token_file.read_text().strip() == client.token


async def test_a_taken_name_without_its_token_is_a_conflict(
    server: ServerProcess, clients: Any, tmp_path: Path, transport: str
) -> None:
    name = unique("taken")
    await clients(name, server.url).connect()
    impostor = clients(name, server.url, token_file=tmp_path / "other" / "impostor.token", transport=transport)
    with pytest.raises(ConflictError) as raised:
        await impostor.connect()
    assert raised.value.code == "conflict" and "impostor.token" in raised.value.message
    assert not impostor.connected


async def test_a_rejected_explicit_token_is_an_authentication_error_and_registers_nothing(
    server: ServerProcess, clients: Any, transport: str
) -> None:
    name = unique("badtoken")
    client = clients(name, server.url, token="ac_Zm9v_bad", transport=transport)
    with pytest.raises(AuthenticationError) as raised:
        await client.connect()
    assert raised.value.code == "unauthorized"
    observer = clients(unique("observer"), server.url)
    await observer.connect()
    with pytest.raises(NotFoundError):
        await observer.get_agent(name)


async def test_another_agents_token_is_refused_naming_the_name(
    server: ServerProcess, clients: Any, transport: str
) -> None:
    owner = clients(unique("owner"), server.url)
    taken = clients(unique("taken"), server.url)
    await owner.connect()
    await taken.connect()
    free = unique("free")
    for name in (free, taken.name):
        borrower = clients(name, server.url, token=owner.token, transport=transport)
        with pytest.raises(InvalidRequestError) as raised:
            await borrower.connect()
        assert raised.value.field == "name"
    with pytest.raises(NotFoundError):
        await owner.get_agent(free)  # still free
