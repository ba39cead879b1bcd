"""Pushed events beyond the inbox: memory watches and presence."""

from __future__ import annotations

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

    # The watches are sent again on the new connection.
    proxy.drop_all()
    await eventually(lambda: watcher.connection_count == 2 and watcher.connected, "the watcher to reconnect")
    await writer.set_memory(key, "v1")
    await writer.delete_memory(prefix + "open")
    got = await updates.wait_for_count(3, "memory updates")
    assert (got[1].key, got[1].value) == (key, "v1")
    assert (got[2].key, got[2].deleted, got[2].version) == (prefix + "open", True, 2)

    await watcher.unwatch_memory(key)
    await writer.set_memory(key, "v2")  # no longer watched
    await writer.set_memory(prefix + "last", True)
    got = await updates.wait_for_count(4, "memory updates")
    assert [u.key for u in got[3:]] == [prefix + "last"]


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
    creator = clients(unique("creator"), server.url)
    worker = clients(unique("worker"), server.url)
    helper = clients(unique("helper"), server.url)
    for client in (creator, worker, helper):
        await client.connect()
    updates: Recorder[Task] = Recorder()
    creator.on_task_updated(updates.add)
    handed: Recorder[Task] = Recorder()
    helper.on_task_assigned(handed.add)

    task = await creator.create_task("long job", "step by step", priority=2, requirements={"gpu": False})
    assert task.status == "pending" and task.assigned_to is None and task.requirements == {"gpu": False}
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
