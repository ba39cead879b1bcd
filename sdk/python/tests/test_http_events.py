"""An agent without a WebSocket (``transport="sse"`` or ``"poll"``): its inbox over ``GET /api/events`` or the long
poll, its requests over REST, with the same handlers, the same seq bookkeeping and the same resume as over the
WebSocket."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, List

import pytest

from _helpers import Recorder, eventually, unique
from _proxy import TcpProxy
from _server import ServerProcess
from agent_sdk import AgentClient, AgentStatus, HandlerContext, Message, Task

over_http = pytest.mark.parametrize("transport", ["sse", "poll"])


def record_handled_seqs(client: AgentClient) -> List[int]:
    """The inbox seqs whose handler returned, in order: a seq handled twice shows up twice."""
    handled: List[int] = []

    @client.use
    async def record(context: HandlerContext, call_next: Callable[[], Awaitable[Any]]) -> Any:
        result = await call_next()
        if context.seq is not None:
            handled.append(context.seq)
        return result

    return handled


@over_http
async def test_an_http_agent_gets_messages_and_tasks_through_its_handlers_and_makes_its_requests_over_rest(
    server: ServerProcess, clients: Any, transport: str
) -> None:
    skill = unique("skill")
    agent = clients(unique("http"), server.url, transport=transport, capabilities=[skill])
    boss = clients(unique("boss"), server.url)
    messages: Recorder[Message] = Recorder()
    assigned: Recorder[Task] = Recorder()
    updated: Recorder[Task] = Recorder()
    agent.on_message(messages.add)
    agent.on("task:updated")(updated.add)

    @agent.on_task_assigned
    async def work(task: Task) -> None:
        await agent.update_task(task.id, status="in_progress")
        await agent.complete_task(task.id, {"by": transport})
        await assigned.add(task)

    info = await agent.connect()
    assert agent.connected and agent.transport == transport and info.status == "online"
    assert agent.processed_seq == 0 and agent.inbox is not None and agent.inbox.last_seq == 0
    await boss.connect()
    boss_inbox: Recorder[Message] = Recorder()
    boss_updates: Recorder[Task] = Recorder()
    boss.on_message(boss_inbox.add)
    boss.on_task_updated(boss_updates.add)

    await boss.send_message("hello over http", recipients=[agent.name])
    task = await boss.create_task("over http", assign_to=agent.name)
    assert [m.content for m in await messages.wait_for_count(1, "messages")] == ["hello over http"]
    assert [t.id for t in await assigned.wait_for_count(1, "assignments")] == [task.id]
    done = await boss_updates.wait_until(lambda ts: any(t.status == "completed" for t in ts), "the completion")
    assert [t.result for t in done if t.status == "completed"] == [{"by": transport}]

    # Requests go over REST: a message, a task of its own that someone else moves, memory, a channel, status, claim.
    await agent.send_message("done", recipients=[boss.name], message_type="status")
    assert [(m.sender, m.content) for m in await boss_inbox.wait_for_count(1, "messages")] == [(agent.name, "done")]
    mine = await agent.create_task("for the boss", assign_to=boss.name)
    await boss.update_task(mine.id, status="in_progress")
    assert [(t.id, t.status) for t in await updated.wait_for_count(1, "task updates")] == [(mine.id, "in_progress")]
    key = f"{agent.name}/notes"
    assert (await agent.set_memory(key, {"v": 1})).version == 1
    assert (await agent.get_memory(key)).value == {"v": 1}
    assert agent.name in (await agent.join_channel(unique("room"))).members
    assert (await agent.set_status(AgentStatus.BUSY)).status == "busy"  # busy: the engine gives it no work
    waiting = await boss.create_task("claim me", requirements={"capabilities": [skill]})
    claimed = await agent.claim_task()
    assert claimed is not None and (claimed.id, claimed.assigned_to) == (waiting.id, agent.name)
    await assigned.wait_for_count(2, "assignments")  # a claim is announced to the claimer too

    await eventually(lambda: agent.processed_seq == 4, "all four inbox events to count as processed")
    await agent.close()
    assert agent.acked_seq == 4 and not agent.connected


@over_http
async def test_a_dropped_http_connection_resumes_after_the_processed_seq_with_no_gap_and_no_duplicate(
    server: ServerProcess, proxy: TcpProxy, clients: Any, transport: str
) -> None:
    receiver = clients(unique("drop-rcv"), proxy.url, transport=transport)
    sender = clients(unique("drop-snd"), server.url)
    await receiver.connect()
    await sender.connect()
    handled = record_handled_seqs(receiver)
    seen: Recorder[str] = Recorder()
    entered, gate = asyncio.Event(), asyncio.Event()

    @receiver.on_message
    async def record(message: Message) -> None:
        if message.content == "m3" and not gate.is_set():
            entered.set()
            await gate.wait()
        await seen.add(message.content)

    for i in range(6):
        await sender.send_message(f"m{i}", recipients=[receiver.name])
    await asyncio.wait_for(entered.wait(), 20)
    # m0-m2 (seq 1-3) are processed and acknowledged, m3 (seq 4) is in its handler, m4 and m5 wait behind it.
    await eventually(lambda: receiver.acked_seq == 3 and receiver.received_seq == 6, "seq 6 received, 3 acked")

    proxy.drop_all()
    await eventually(lambda: receiver.connection_count == 2 and receiver.connected, "the receiver to reconnect")
    for content in ("m6", "m7"):
        await sender.send_message(content, recipients=[receiver.name])
    gate.set()
    for content in ("m8", "m9", "end"):
        await sender.send_message(content, recipients=[receiver.name])

    got = await seen.wait_until(lambda items: "end" in items, "the last message")
    assert got == [f"m{i}" for i in range(10)] + ["end"]
    assert handled == list(range(1, 12))
    await eventually(lambda: receiver.acked_seq == 11, "the ack of seq 11")


@over_http
async def test_acknowledged_events_are_not_delivered_again_after_a_reconnect_or_to_the_next_run(
    server: ServerProcess, proxy: TcpProxy, clients: Any, transport: str
) -> None:
    name = unique("acker")
    receiver = clients(name, proxy.url, transport=transport)
    sender = clients(unique("acked-snd"), server.url)
    await receiver.connect()
    await sender.connect()
    handled = record_handled_seqs(receiver)
    receiver.on_message(lambda message: None)

    for content in ("a", "b", "c"):
        await sender.send_message(content, recipients=[name])
    await eventually(lambda: receiver.acked_seq == 3, "the ack of seq 3")
    proxy.drop_all()
    await eventually(lambda: receiver.connection_count == 2 and receiver.connected, "the receiver to reconnect")
    await sender.send_message("d", recipients=[name])
    await eventually(lambda: receiver.acked_seq == 4, "the ack of seq 4")
    assert handled == [1, 2, 3, 4]
    await receiver.close()

    # The next run of the agent (same token file, nothing in memory) starts after the ack the server holds.
    again = clients(name, proxy.url, transport=transport)
    handled_again = record_handled_seqs(again)
    contents: Recorder[str] = Recorder()
    again.on_message(lambda message: contents.add(message.content))
    await again.connect()
    assert again.processed_seq == 4 and again.inbox is not None and (again.inbox.last_seq, again.inbox.acked_seq) == (4, 4)
    await sender.send_message("e", recipients=[name])
    assert await contents.wait_for_count(1, "messages") == ["e"]
    assert handled_again == [5]


async def test_a_handler_whose_request_gets_no_answer_gets_its_event_again_over_a_new_stream(
    server: ServerProcess, proxy: TcpProxy, clients: Any
) -> None:
    boss = clients(unique("boss"), server.url)
    # A short request timeout: the blackholed completion below fails after 2 s instead of 20. Without retries
    # (write_attempts=1) the completion fails with the connection, so the handler runs again on the event.
    worker = clients(unique("worker"), proxy.url, transport="sse", request_timeout=2.0, write_attempts=1)
    await boss.connect()
    await worker.connect()
    handled = record_handled_seqs(worker)
    attempts: List[str] = []
    messages: List[str] = []
    completions: Recorder[Task] = Recorder()
    boss.on_task_updated(completions.add)
    worker.on_message(lambda message: messages.append(message.content))

    @worker.on_task_assigned
    async def work(task: Task) -> None:
        attempts.append(task.id)
        if len(attempts) == 1:
            # The request never reaches the server; the stream, which only receives, stays up.
            proxy.blackhole = True
        await worker.complete_task(task.id, {"attempt": len(attempts)})

    task = await boss.create_task("unanswered", assign_to=worker.name)
    await eventually(lambda: proxy.swallowed > 0, "the first completion to be sent")
    await boss.send_message("behind the task", recipients=[worker.name])
    await eventually(lambda: worker.received_seq == 2, "the message to arrive behind the task")
    proxy.blackhole = False

    done = await completions.wait_until(lambda ts: any(t.status == "completed" for t in ts), "the completion")
    assert [t.result for t in done if t.status == "completed"] == [{"attempt": 2}]
    assert attempts == [task.id, task.id] and worker.connection_count == 2
    await eventually(lambda: worker.processed_seq == 2, "both events to count as processed")
    assert handled == [1, 2] and messages == ["behind the task"]


async def test_what_only_the_websocket_carries_is_refused_over_http() -> None:
    agent = AgentClient(unique("http-only"), transport="sse")
    with pytest.raises(RuntimeError, match="need the WebSocket"):
        agent.on_memory_updated(lambda update: None)
    with pytest.raises(RuntimeError, match="need the WebSocket"):
        agent.on("agent:joined")(lambda joined: None)
    with pytest.raises(RuntimeError, match="need the WebSocket"):
        await agent.watch_memory(prefix="team/")
    agent.on("task:updated")(lambda task: None)  # inbox events are fine, by name too
    with pytest.raises(ValueError, match="transport"):
        AgentClient(unique("nowhere"), transport="carrier-pigeon")  # type: ignore[arg-type]


def test_the_event_stream_reader_takes_any_chunking_crlf_comments_and_multi_line_data() -> None:
    from agent_sdk._http_transport import _EventFields, _Lines

    stream = (
        ": inbox of reader after seq 0\n\n"
        'id: 1\nevent: message:received\ndata: {"content": "h\xe9llo \u2028 there",\ndata:  "n": 1}\n\n'
        ": keep-alive\r\n\r\n"
        "id: 2\r\nevent: task:assigned\r\nretry: 10\r\ndata:{}\r\n\r\n"
        "event: no-data\n\n"
        "id: 3\ndata: [1]\n"  # not ended by a blank line yet: not an event
    ).encode("utf-8")
    expected = [
        ("message:received", "1", '{"content": "h\xe9llo \u2028 there",\n "n": 1}'),
        ("task:assigned", "2", "{}"),
    ]
    for size in range(1, len(stream) + 1):  # every chunk size, so lines and UTF-8 characters split anywhere
        lines, fields = _Lines(), _EventFields()
        events = []
        for start in range(0, len(stream), size):
            for line in lines.feed(stream[start:start + size]):
                complete = fields.add(line)
                if complete is not None:
                    events.append(complete)
        assert events == expected, f"chunks of {size} bytes"
