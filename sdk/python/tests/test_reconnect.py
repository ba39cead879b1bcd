"""Reconnection: after a server restart and after a dropped socket, nothing is lost and nothing repeats."""

from __future__ import annotations

import asyncio
from typing import Any, List

import pytest

from _helpers import Recorder, eventually, unique
from _proxy import TcpProxy
from _server import ServerProcess
from agent_sdk import AgentClient, AgentConnectionError, Message, Task


def gated_receiver(client: AgentClient, hold: str) -> "tuple[Recorder[str], asyncio.Event, asyncio.Event]":
    """Records message contents; the handler for ``hold`` waits for a gate, so a drop finds an event
    received but not yet processed (and more queued behind it)."""
    seen: Recorder[str] = Recorder()
    entered, gate = asyncio.Event(), asyncio.Event()

    @client.on_message
    async def record(message: Message) -> None:
        if message.content == hold and not gate.is_set():
            entered.set()
            await gate.wait()
        await seen.add(message.content)

    return seen, entered, gate


async def send_all(sender: AgentClient, recipient: str, contents: List[str]) -> None:
    for content in contents:
        await sender.send_message(content, recipients=[recipient])


async def test_server_restart_mid_conversation_loses_nothing_and_repeats_nothing(
    restartable_server: ServerProcess, clients: Any
) -> None:
    server = restartable_server
    receiver = clients(unique("rcv"), server.url)
    sender = clients(unique("snd"), server.url)
    await receiver.connect()
    await sender.connect()
    seen, entered, gate = gated_receiver(receiver, hold="m3")

    await send_all(sender, receiver.name, [f"m{i}" for i in range(6)])
    await asyncio.wait_for(entered.wait(), 20)
    # m0-m2 are processed and acknowledged; m3 (seq 4) is in its handler; m4 and m5 are behind it.
    await eventually(lambda: receiver.acked_seq == 3, "the ack of seq 3")

    await asyncio.get_running_loop().run_in_executor(None, server.restart)
    await eventually(lambda: receiver.connection_count == 2 and receiver.connected, "the receiver to reconnect")
    await eventually(lambda: sender.connection_count == 2 and sender.connected, "the sender to reconnect")
    gate.set()
    await send_all(sender, receiver.name, [f"m{i}" for i in range(6, 10)] + ["end"])

    got = await seen.wait_until(lambda items: "end" in items, "the last message")
    assert got == [f"m{i}" for i in range(10)] + ["end"]
    await eventually(lambda: receiver.processed_seq == 11, "the last event to count as processed")

    # The acknowledgement reached the restarted server: the same agent, started again, gets no replay.
    await receiver.close()
    assert receiver.acked_seq == 11
    again = clients(receiver.name, server.url)
    replayed: Recorder[str] = Recorder()
    again.on_message(lambda m: replayed.add(m.content))
    await again.connect()
    assert again.processed_seq == 11 and again.inbox is not None and again.inbox.last_seq == 11
    await sender.send_message("after", recipients=[receiver.name])
    assert await replayed.wait_for_count(1, "messages") == ["after"]


async def test_dropped_socket_resumes_from_the_last_processed_event(
    server: ServerProcess, proxy: TcpProxy, clients: Any
) -> None:
    receiver = clients(unique("drop-rcv"), proxy.url)
    sender = clients(unique("drop-snd"), server.url)
    await receiver.connect()
    await sender.connect()
    seen, entered, gate = gated_receiver(receiver, hold="m3")

    await send_all(sender, receiver.name, [f"m{i}" for i in range(6)])
    await asyncio.wait_for(entered.wait(), 20)
    await eventually(lambda: receiver.acked_seq == 3, "the ack of seq 3")

    proxy.drop_all()
    await eventually(lambda: receiver.connection_count == 2 and receiver.connected, "the receiver to reconnect")
    await send_all(sender, receiver.name, ["m6", "m7"])
    gate.set()
    await send_all(sender, receiver.name, ["m8", "m9", "end"])

    got = await seen.wait_until(lambda items: "end" in items, "the last message")
    assert got == [f"m{i}" for i in range(10)] + ["end"]
    await eventually(lambda: receiver.processed_seq == 11, "the last event to count as processed")
    await eventually(lambda: receiver.acked_seq == 11, "the ack of seq 11")


async def test_a_request_in_flight_when_the_socket_drops_raises_a_connection_error(
    proxy: TcpProxy, clients: Any
) -> None:
    client = clients(unique("inflight"), proxy.url)
    await client.connect()
    await client.set_memory(f"{client.name}/k", 1)

    proxy.blackhole = True
    pending = asyncio.ensure_future(client.get_memory(f"{client.name}/k"))
    await eventually(lambda: proxy.swallowed > 0, "the request to be sent")
    assert not pending.done()
    proxy.blackhole = False
    proxy.drop_all()

    with pytest.raises(AgentConnectionError) as raised:
        await pending
    assert isinstance(raised.value, ConnectionError) and raised.value.code == "connection"
    # Requests made while reconnecting wait for the new connection.
    entry = await client.get_memory(f"{client.name}/k")
    assert entry.value == 1 and client.connection_count == 2


async def test_a_handler_whose_request_is_cut_off_gets_the_event_again_after_reconnecting(
    server: ServerProcess, proxy: TcpProxy, clients: Any
) -> None:
    boss = clients(unique("boss"), server.url)
    # Without retries the completion fails with the connection, so the handler runs again on the event.
    worker = clients(unique("worker"), proxy.url, write_attempts=1)
    await boss.connect()
    await worker.connect()
    attempts: List[str] = []
    updates: Recorder[Task] = Recorder()
    boss.on_task_updated(updates.add)

    @worker.on_task_assigned
    async def work(task: Task) -> None:
        attempts.append(task.id)
        if len(attempts) == 1:
            proxy.blackhole = True  # this completion never reaches the server: the socket drops first
        await worker.complete_task(task.id, {"attempt": len(attempts)})

    task = await boss.create_task("flaky network", assign_to=worker.name)
    await eventually(lambda: proxy.swallowed > 0, "the first completion to be sent")
    proxy.blackhole = False
    proxy.drop_all()

    done = await updates.wait_until(lambda ts: any(t.status == "completed" for t in ts), "the completion")
    assert attempts == [task.id, task.id]
    assert [t.result for t in done if t.status == "completed"] == [{"attempt": 2}]
    await eventually(lambda: worker.processed_seq == 1, "the redelivered event to count as processed")
