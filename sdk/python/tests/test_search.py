"""Search through the SDK: words found in an agent's own history and readable memory, never in anyone else's."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from _helpers import unique
from _server import ServerProcess
from agent_sdk import AccessControl, InvalidRequestError


async def test_search_finds_own_messages_and_readable_keys_only(server: ServerProcess, clients: Any) -> None:
    alice, bob, eve = (clients(unique(name), server.url) for name in ("alice", "bob", "eve"))
    for agent in (alice, bob, eve):
        await agent.connect()
    word = f"axolotl{uuid.uuid4().hex[:8]}"
    sent = await alice.send_message(f"the {word} escaped the tank", recipients=bob.name)
    key = f"{alice.name}/vault"
    await alice.set_memory(key, {"note": word}, access_control=AccessControl(read=[bob.name], write=[]))

    hits = await bob.search_messages(word.upper())
    assert [hit.message.id for hit in hits] == [sent.id] and hits.next_cursor is None
    assert hits[0].snippet == f"the **{word}** escaped the tank" and hits[0].rank > 0
    assert [hit.entry.key for hit in await bob.search_memory(word)] == [key]
    assert len(await bob.search_messages(word, sender=alice.name, limit=5)) == 1

    assert len(await eve.search_messages(word)) == 0
    assert len(await eve.search_messages(word, sender=alice.name)) == 0
    assert len(await eve.search_memory(word)) == 0
    assert key not in [hit.entry.key for hit in await eve.search_memory("vault")]
    with pytest.raises(InvalidRequestError):
        await eve.search_messages('"*"')
