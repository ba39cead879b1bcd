"""Pushed events beyond the inbox: memory watches and presence."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from _helpers import Recorder, eventually, unique
from _proxy import TcpProxy
from _server import ServerProcess
from agent_sdk import Agent, AgentStatus, MemoryUpdate, Task


async def test_memory_watch_reaches_on_memory_updated_and_survives_a_reconnect(
    server: ServerProcess, proxy: TcpProxy, clients: Any
) -> None:
    writer = clients(unique("writer"), server.url)
    watcher = clients(unique("watcher"), proxy.url)
    await writer.connect()
    await watcher.connect()
    updates: Recorder[MemoryUpdate] = Recorder()
    watcher.on_memory_updated(updates.add)
    prefix = f"{unique('ns')}/"
    key = unique("single")

    watching = await watcher.watch_memory(prefix=prefix)
    assert watching.prefixes == [prefix]
    assert (await watcher.watch_memory(key)).keys == [key]

    await writer.set_memory(prefix + "hidden", 1, access_control={"read": [writer.name]})
    await writer.set_memory(unique("elsewhere"), 2)
    await writer.set_memory(prefix + "open", {"findings": "x"})
    got = await updates.wait_for_count(1, "memory updates")
    assert (got[0].key, got[0].value, got[0].version, got[0].updated_by) == (prefix + "open", {"findings": "x"}, 1, writer.name)
    assert got[0].updated_at is not None and not got[0].deleted

    # The watches are sent again on the new connection, with snapshots of what they cover (what changed while
    # the connection was down is not lost): the readable key under the prefix; the single key does not exist yet.
    proxy.drop_all()
    await eventually(lambda: watcher.connection_count == 2 and watcher.connected, "the watcher to reconnect")
    await writer.set_memory(key, "v1")
    await writer.delete_memory(prefix + "open")
    got = await updates.wait_for_count(4, "memory updates")
    snapshots = [u for u in got[1:] if u.snapshot]
    live = [u for u in got[1:] if not u.snapshot]
    assert [(u.key, u.version, u.value) for u in snapshots] == [(prefix + "open", 1, {"findings": "x"})]
    assert (live[0].key, live[0].value) == (key, "v1")
    assert (live[1].key, live[1].deleted, live[1].version) == (prefix + "open", True, 2)

    await watcher.unwatch_memory(key)
    await writer.set_memory(key, "v2")  # no longer watched
    await writer.set_memory(prefix + "last", True)
    got = await updates.wait_for_count(5, "memory updates")
    assert [u.key for u in got[4:]] == [prefix + "last"]


async def test_agents_see_others_join_and_leave(presence_server: ServerProcess, clients: Any) -> None:
    observer = clients(unique("observer"), presence_server.url)
    await observer.connect()
    joined: Recorder[Agent] = Recorder()
    left: Recorder[Agent] = Recorder()
    observer.on_agent_joined(joined.add)
    observer.on_agent_left(left.add)

    name = unique("visitor")
    visitor = clients(name, presence_server.url)
    await visitor.connect()
    arrival = await joined.wait_until(lambda agents: any(a.name == name for a in agents), "the visitor to join")
    assert next(a for a in arrival if a.name == name).status == "online"

    busy = await visitor.set_status(AgentStatus.BUSY)
    assert busy.status == "busy" and visitor.info is not None and visitor.info.status == "busy"
    assert [a.status for a in await observer.list_agents(status="busy") if a.name == name] == ["busy"]

    await visitor.close()
    departure = await left.wait_until(lambda agents: any(a.name == name for a in agents), "the visitor to leave")
    assert next(a for a in departure if a.name == name).status == "offline"
    assert (await observer.get_agent(name)).status == "offline"
    # Nobody announces the observer to itself.
    assert all(a.name != observer.name for a in joined.items + left.items)


async def test_task_updates_reach_the_creator_with_progress(server: ServerProcess, clients: Any) -> None:
    skill = unique("skill")
    creator = clients(unique("creator"), server.url)
    worker = clients(unique("worker"), server.url, capabilities=[skill])
    helper = clients(unique("helper"), server.url, capabilities=[skill])
    for client in (creator, worker, helper):
        await client.connect()
    # Busy agents get no work from the server's engine: only the explicit assignments below reach them.
    for client in (worker, helper):
        await client.set_status(AgentStatus.BUSY)
    updates: Recorder[Task] = Recorder()
    creator.on_task_updated(updates.add)
    handed: Recorder[Task] = Recorder()
    helper.on_task_assigned(handed.add)

    needs = {"gpu": False, "capabilities": [skill]}
    task = await creator.create_task("long job", "step by step", priority=2, requirements=needs)
    assert task.status == "pending" and task.assigned_to is None and task.requirements == needs
    assert (await creator.assign_task(task.id, worker.name)).status == "assigned"
    await worker.update_task(task.id, status="in_progress", result={"progress": 0.5})
    await worker.assign_task(task.id, helper.name)  # handing it on
    assert (await handed.wait_for_count(1, "assignments"))[0].id == task.id
    await helper.update_task(task.id, status="failed", result={"error": "no data"})

    got = await updates.wait_until(lambda ts: any(t.status == "failed" for t in ts), "the failure")
    assert [t.status for t in got] == ["in_progress", "assigned", "failed"]
    assert got[0].result == {"progress": 0.5} and got[-1].result == {"error": "no data"}
    assert [a.status for a in got[-1].assignments] == ["reassigned", "failed"]
    open_tasks = await creator.list_tasks(creator=creator.name, status="failed")
    assert [t.id for t in open_tasks] == [task.id]


async def test_claim_takes_the_most_urgent_capable_task_and_dependencies_hold_a_task_back(
    server: ServerProcess, clients: Any
) -> None:
    skill = unique("skill")
    boss = clients(unique("boss"), server.url)
    worker = clients(unique("claimer"), server.url, capabilities=[skill])
    await boss.connect()
    await worker.connect()
    await worker.set_status(AgentStatus.BUSY)  # busy agents get no engine work, but may claim
    needs = {"capabilities": [skill]}
    later = await boss.create_task("later", priority=5, requirements=needs)
    first = await boss.create_task("first", priority=1, requirements=needs)
    after = await boss.create_task("after", requirements=needs, depends_on=[first.id])
    assert after.status == "blocked" and after.depends_on == [first.id]

    claimed = await worker.claim_task()
    assert claimed is not None and (claimed.id, claimed.assigned_to) == (first.id, worker.name)
    second = await worker.claim_task()
    assert second is not None and second.id == later.id
    assert await worker.claim_task() is None  # "after" waits for "first"

    await worker.complete_task(first.id, {"ok": True})
    await eventually_claimed(worker, after.id)


async def eventually_claimed(worker: Any, task_id: str) -> None:
    """The dependent becomes claimable once its dependency completed (the unblocking is asynchronous)."""
    claimed: list[Task] = []

    async def attempt() -> None:
        task = await worker.claim_task()
        if task is not None:
            claimed.append(task)

    deadline = time.monotonic() + 20
    while not claimed and time.monotonic() < deadline:
        await attempt()
        if not claimed:
            await asyncio.sleep(0.05)
    assert claimed and claimed[0].id == task_id
