"""Messages addressed to a capability (docs/sdk-guide.md, "Sending to a capability"): ``mode="all"`` reaches every agent
with it once, ``mode="any"`` one online agent; nobody to reach is an error and nothing is sent."""

from __future__ import annotations

from typing import Any

import pytest

from _helpers import Recorder, unique
from _server import ServerProcess
from agent_sdk import InvalidRequestError, Message, NotFoundError


@pytest.mark.parametrize("transport", ["websocket", "poll"])
async def test_all_reaches_every_agent_with_the_capability_once_and_the_message_keeps_its_address(
    server: ServerProcess, clients: Any, transport: str
) -> None:
    skill = unique("role")
    sender = clients(unique("role-sender"), server.url, transport=transport)
    first = clients(unique("role-a"), server.url, capabilities=[skill])
    second = clients(unique("role-b"), server.url, capabilities=[skill], transport="sse")
    got_first: Recorder[Message] = Recorder()
    got_second: Recorder[Message] = Recorder()
    first.on_message(got_first.add)
    second.on_message(got_second.add)
    for client in (first, second, sender):
        await client.connect()

    sent = await sender.send_message("all hands", to_capability=skill, mode="all")

    assert sent.to_capability == skill and sent.mode == "all"
    assert sorted(sent.recipients) == sorted([first.name, second.name])
    for got in (got_first, got_second):
        received = (await got.wait_for_count(1, "the message sent to the capability"))[0]
        assert (received.id, received.to_capability, received.mode) == (sent.id, skill, "all")

    one = await sender.send_message("one of you", to_capability=skill)
    assert one.mode == "any" and len(one.recipients) == 1 and one.recipients[0] in (first.name, second.name)
    chosen = got_first if one.recipients[0] == first.name else got_second
    await chosen.wait_for_count(2, "the message sent to any of them")
    assert [m.content for m in got_first.items + got_second.items].count("one of you") == 1
    assert [m.content for m in got_first.items + got_second.items].count("all hands") == 2


async def test_nobody_to_reach_and_a_bad_address_are_errors(server: ServerProcess, clients: Any) -> None:
    sender = clients(unique("role-nobody"), server.url)
    await sender.connect()

    with pytest.raises(NotFoundError) as nobody:
        await sender.send_message("anyone?", to_capability=unique("unheld"))
    assert nobody.value.field == "to_capability"
    with pytest.raises(InvalidRequestError) as both:
        await sender.send_message("x", [sender.name], to_capability="writing")
    assert both.value.field == "to_capability"
    with pytest.raises(InvalidRequestError):
        await sender.send_message("x", to_capability="writing", mode="some")
    assert (await sender.get_messages(sender=sender.name)).items == []
