"""The issue's example, unchanged but for the server URL, between two SDK agents on a real server."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict

import pytest

from _helpers import Recorder, unique
from _server import ServerProcess
from agent_sdk import AgentClient, Message, Task, TaskStatus


async def process_task(task: Task) -> Dict[str, Any]:
    return {"summary": f"{task.title}: {task.description} done", "priority_seen": task.priority}


async def test_seed_example_message_task_and_memory_between_two_agents(
    server: ServerProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    # The analyst is written exactly like the example's handlers, on its own client.
    analyst = AgentClient(name="analysis_agent", agent_type="llm", server_url=server.url)
    researcher = AgentClient(name="research_agent", agent_type="llm", server_url=server.url)
    try:
        await analyst.connect()

        @analyst.on_message
        async def handle_message(message):  # type: ignore[no-untyped-def]
            print(f"Received: {message.content}")

        @analyst.on_task_assigned
        async def handle_task(task):  # type: ignore[no-untyped-def]
            result = await process_task(task)
            await analyst.complete_task(task.id, result)

        inbox: Recorder[Message] = Recorder()
        analyst.on_message(inbox.add)

        # The example, line by line.
        agent = researcher
        await agent.connect()
        await agent.send_message(content="Starting research task...", recipients=["analysis_agent"])
        task = await agent.create_task(title="Analyze data", description="Process the dataset", priority=1,
                                       assign_to="analysis_agent")
        await agent.set_memory(key="research_results", value={"findings": "..."})

        @agent.on_message
        async def handle_message_r(message):  # type: ignore[no-untyped-def]
            print(f"Received: {message.content}")

        @agent.on_task_assigned
        async def handle_task_r(task):  # type: ignore[no-untyped-def]
            result = await process_task(task)
            await agent.complete_task(task.id, result)

        updates: Recorder[Task] = Recorder()
        agent.on_task_updated(updates.add)

        # The analyst got the message and the task; the researcher sees the task completed.
        messages = await inbox.wait_for_count(1, "messages")
        assert messages[0].content == "Starting research task..."
        assert messages[0].sender == "research_agent" and messages[0].recipients == ["analysis_agent"]
        assert isinstance(messages[0].created_at, datetime) and messages[0].created_at.tzinfo is not None
        assert task.status == TaskStatus.ASSIGNED and task.assigned_to == "analysis_agent" and task.priority == 1

        done = await updates.wait_until(lambda ts: any(t.status == "completed" for t in ts), "task completed")
        completed = next(t for t in done if t.status == "completed")
        assert completed.id == task.id
        assert completed.result == {"summary": "Analyze data: Process the dataset done", "priority_seen": 1}
        assert completed.completed_at is not None and completed.assignments[-1].status == "completed"
        assert "Received: Starting research task..." in capsys.readouterr().out

        # Memory written by one agent is read by the other.
        entry = await analyst.get_memory("research_results")
        assert entry.value == {"findings": "..."} and entry.version == 1 and entry.created_by == "research_agent"

        # The REST views agree.
        tasks = await agent.list_tasks(creator="research_agent", status="completed")
        assert [t.id for t in tasks] == [task.id] and tasks.next_cursor is None
        history = await analyst.get_messages(sender="research_agent")
        assert [m.content for m in history] == ["Starting research task..."]
        agents = {a.name: a for a in await agent.list_agents()}
        assert agents["analysis_agent"].status == "online" and agents["research_agent"].type == "llm"
        assert agents["analysis_agent"].active_task_count == 0
        assert (await agent.get_task(task.id)).status == "completed"
    finally:
        await analyst.close()
        await researcher.close()
    # Everything the analyst processed was acknowledged on close: message (1) and task (2).
    assert analyst.processed_seq == 2 and analyst.acked_seq == 2


async def test_agents_talk_in_channels_and_task_threads(server: ServerProcess, clients: Any) -> None:
    alice = clients(unique("alice"), server.url)
    bob = clients(unique("bob"), server.url)
    await alice.connect()
    await bob.connect()
    heard: Recorder[Message] = Recorder()
    bob.on_message(heard.add)
    room = unique("room")

    joined = await alice.join_channel(room)
    assert joined.name == room and joined.members == [alice.name]
    assert set((await bob.join_channel(room)).members) == {alice.name, bob.name}
    await alice.send_message("hello room", channel=room, message_type="status", metadata={"step": 1})
    task = await alice.create_task("thread task", assign_to=bob.name)
    await alice.send_message("about the task", task_id=task.id)

    got = await heard.wait_for_count(2, "messages")
    assert (got[0].channel, got[0].content, got[0].message_type, got[0].metadata) == (room, "hello room", "status", {"step": 1})
    assert (got[1].task_id, got[1].content, got[1].recipients) == (task.id, "about the task", [bob.name])
    assert room in {c.name for c in await bob.list_channels()}
    assert (await bob.get_channel(room)).message_sequence == 1

    left = await bob.leave_channel(room)
    assert bob.name not in left.members
    await alice.send_message("anyone?", channel=room)
    await alice.send_message("direct", recipients=bob.name)
    later = await heard.wait_for_count(3, "messages")
    assert later[2].content == "direct"  # the channel post after leaving never reached bob
    page = await alice.get_messages(channel=room, order="asc", limit=1)
    assert [m.content for m in page] == ["hello room"] and page.next_cursor is not None
    rest = await alice.get_messages(channel=room, order="asc", cursor=page.next_cursor)
    assert [m.content for m in rest] == ["anyone?"] and rest.next_cursor is None
    # History is private: bob reads the posts from while he was a member, not the one after he left.
    mine = await bob.get_messages(channel=room, order="asc")
    assert [m.content for m in mine] == ["hello room"] and mine.next_cursor is None
