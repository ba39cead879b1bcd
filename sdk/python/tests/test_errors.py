"""Server refusals become typed exceptions, over the WebSocket and over REST alike."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from _helpers import unique
from _server import ServerProcess
from agent_sdk import (
    AgentChannelError,
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    TooLargeError,
)


async def test_typed_errors_over_websocket_and_rest(server: ServerProcess, clients: Any) -> None:
    owner = clients(unique("owner"), server.url)
    other = clients(unique("other"), server.url)
    await owner.connect()
    await other.connect()

    # not_found: WebSocket (memory, recipient) and REST (task, agent).
    with pytest.raises(NotFoundError) as missing:
        await owner.get_memory(unique("nothing-here"))
    assert missing.value.code == "not_found" and missing.value.status is None
    with pytest.raises(NotFoundError):
        await owner.send_message("hello?", recipients=[unique("nobody")])
    with pytest.raises(NotFoundError) as rest_missing:
        await owner.get_task(str(uuid.uuid4()))
    assert rest_missing.value.status == 404
    with pytest.raises(NotFoundError):
        await owner.get_agent(unique("nobody"))

    # forbidden: a key only its creator may read and write.
    secret = f"{owner.name}/secret"
    await owner.set_memory(secret, {"plan": 1}, access_control={"read": [owner.name], "write": [owner.name]})
    with pytest.raises(ForbiddenError):
        await other.get_memory(secret)
    with pytest.raises(ForbiddenError):
        await other.set_memory(secret, {"plan": 2})
    with pytest.raises(ForbiddenError) as rest_forbidden:
        await other.delete_memory(secret)
    assert rest_forbidden.value.status == 403
    assert (await owner.get_memory(secret)).value == {"plan": 1}

    # invalid, naming the field.
    with pytest.raises(InvalidRequestError) as invalid:
        await owner.create_task("urgent?", priority=9)
    assert invalid.value.field == "priority"
    with pytest.raises(InvalidRequestError) as bad_filter:
        await owner.list_tasks(status="done")
    assert bad_filter.value.field == "status" and bad_filter.value.status == 400
    with pytest.raises(InvalidRequestError) as null_value:
        await owner.set_memory(secret, None)
    assert null_value.value.field == "value"

    # conflict: a stale version carries the current one; a closed task cannot be completed again.
    with pytest.raises(ConflictError) as stale:
        await owner.set_memory(secret, {"plan": 3}, expected_version=5)
    assert stale.value.current_version == 1
    task = await owner.create_task("once", assign_to=other.name)
    await other.complete_task(task.id, "done")
    with pytest.raises(ConflictError):
        await other.complete_task(task.id, "again")
    with pytest.raises(ForbiddenError):
        await other.update_task(task.id, title="renamed")

    # too_large: a field over its limit, and a frame over the server's 1 MiB frame limit, which is
    # refused before sending so the connection survives.
    with pytest.raises(TooLargeError) as too_long:
        await owner.send_message("x" * 70_000, recipients=[other.name])
    assert too_long.value.field == "content"
    with pytest.raises(TooLargeError):
        await owner.set_memory(f"{owner.name}/huge", "y" * (2 * 1024 * 1024))
    assert owner.connection_count == 1 and owner.connected

    # Every one of them is an AgentChannelError.
    with pytest.raises(AgentChannelError):
        await owner.get_memory(unique("nothing-here"))


async def test_memory_versions_delete_and_listing(server: ServerProcess, clients: Any) -> None:
    agent = clients(unique("mem"), server.url)
    await agent.connect()
    prefix = f"{agent.name}/notes/"
    first = await agent.set_memory(prefix + "a", {"n": 1}, expected_version=0)
    second = await agent.set_memory(prefix + "a", {"n": 2}, expected_version=first.version)
    await agent.set_memory(prefix + "b c?", [1, 2, 3])
    assert (first.version, second.version) == (1, 2)
    assert second.access_control.read == ["*"] and second.updated_by == agent.name

    listing = await agent.list_memory(prefix)
    assert [k.key for k in listing] == [prefix + "a", prefix + "b c?"] and listing[1].size_bytes > 0
    assert (await agent.get_memory(prefix + "b c?")).value == [1, 2, 3]

    with pytest.raises(ConflictError) as stale:
        await agent.delete_memory(prefix + "a", expected_version=1)
    assert stale.value.current_version == 2
    await agent.delete_memory(prefix + "a", expected_version=2)
    await agent.delete_memory(prefix + "b c?")
    with pytest.raises(NotFoundError):
        await agent.get_memory(prefix + "a")
    assert len(await agent.list_memory(prefix)) == 0
