"""Issue 26.1 from the SDK: rotating the token keeps the agent working with the new one while the old one stops at
once; retiring refuses new mail as GoneError and only the operator brings the name back."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from _helpers import Recorder, unique
from _server import OPERATOR_TOKEN, ServerProcess
from agent_sdk import GoneError, Message


@pytest.mark.parametrize("transport", ["websocket", "sse"])
async def test_rotate_token_replaces_the_token_and_the_old_one_stops_at_once(
    server: ServerProcess, clients: Any, transport: str
) -> None:
    name = unique("rotor")
    agent = clients(name, server.url, transport=transport)
    inbox: Recorder[Message] = Recorder()
    agent.on_message(inbox.add)
    await agent.connect()
    old = agent.token

    new = await agent.rotate_token()

    assert new != old and agent.token == new
    assert agent.token_file.read_text().strip() == new
    async with httpx.AsyncClient(base_url=server.url) as http:
        refused = await http.get("/api/agents", headers={"Authorization": f"Bearer {old}"})
        assert refused.status_code == 401
        accepted = await http.get("/api/agents", headers={"Authorization": f"Bearer {new}"})
        assert accepted.status_code == 200
    # The agent keeps working (over SSE the stream comes back with the new token) and gets its mail.
    sender = clients(unique("sender"), server.url)
    await sender.connect()
    await sender.send_message("after the rotation", recipients=[name])
    assert [m.content for m in await inbox.wait_for_count(1, "messages")] == ["after the rotation"]
    assert (await agent.get_agent(name)).name == name


async def test_a_retired_agent_gets_no_new_mail_and_only_the_operator_registers_it_again(
    server: ServerProcess, clients: Any
) -> None:
    name = unique("retiree")
    agent = clients(name, server.url)
    await agent.connect()
    sender = clients(unique("sender"), server.url)
    await sender.connect()
    await sender.send_message("before", recipients=[name])

    await agent.retire()

    with pytest.raises(GoneError):
        await sender.send_message("after", recipients=[name])
    assert name not in [a.name for a in await sender.list_agents()]
    with pytest.raises(GoneError):
        await clients(name, server.url, token_file=agent.token_file.parent / "fresh.token").connect()
    async with httpx.AsyncClient(base_url=server.url) as http:
        restored = await http.post(
            "/api/agents/register",
            json={"name": name, "type": "llm"},
            headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"},
        )
        assert restored.status_code == 200, restored.text
    await sender.send_message("welcome back", recipients=[name])
