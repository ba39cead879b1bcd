"""Handler rules: dispatch waits for handlers, a raising handler does not stop the agent."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, List

import pytest

from _helpers import Recorder, eventually, unique
from _server import ServerProcess
from agent_sdk import Message, Task


async def test_a_handler_that_raises_is_logged_the_client_keeps_running_and_the_task_stays_open(
    server: ServerProcess, clients: Any, caplog: pytest.LogCaptureFixture
) -> None:
    boss = clients(unique("boss"), server.url)
    worker = clients(unique("worker"), server.url)
    await boss.connect()
    await worker.connect()
    tasks_seen: List[str] = []
    messages: Recorder[Message] = Recorder()

    @worker.on_task_assigned
    def explode(task: Task) -> None:  # a plain function works too
        tasks_seen.append(task.id)
        raise RuntimeError("the model is down")

    worker.on_message(messages.add)

    with caplog.at_level(logging.ERROR, logger="agent_sdk"):
        task = await boss.create_task("fragile", assign_to=worker.name)
        await boss.send_message("still there?", recipients=[worker.name])
        got = await messages.wait_for_count(1, "messages")

    assert got[0].content == "still there?" and tasks_seen == [task.id]
    assert any("the model is down" in (r.exc_text or "") for r in caplog.records)
    assert "raised" in caplog.text
    # Not completed behind anyone's back: the task is still assigned to the worker.
    assert (await boss.get_task(task.id)).status == "assigned"
    # The failed event still counts as processed and is acknowledged, so it does not come back.
    await eventually(lambda: worker.processed_seq == 2, "both events to count as processed")
    await worker.close()
    assert worker.acked_seq == 2
    again = clients(worker.name, server.url)
    again.on_task_assigned(lambda t: tasks_seen.append(t.id))
    await again.connect()
    assert again.processed_seq == 2
    await boss.send_message("ping", recipients=[worker.name])
    await eventually(lambda: again.processed_seq == 3, "the next event")
    assert tasks_seen == [task.id]


async def test_events_that_arrive_before_any_handler_wait_for_it(server: ServerProcess, clients: Any) -> None:
    early = clients(unique("early"), server.url)
    sender = clients(unique("sender"), server.url)
    await early.connect()
    await sender.connect()
    await sender.send_message("first", recipients=[early.name])
    await sender.create_task("for you", assign_to=early.name)
    # Both pushes have reached the client while no handler exists yet.
    await eventually(lambda: early.received_seq == 2, "the pushes to arrive")
    assert early.processed_seq == 0
    await early.set_memory(f"{early.name}/k", 1)  # awaits in between do not lose them either

    seen: List[str] = []

    @early.on_message
    async def on_message(message: Message) -> None:
        seen.append(message.content)

    @early.on_task_assigned
    async def on_task(task: Task) -> None:
        seen.append(task.title)

    await eventually(lambda: early.processed_seq == 2, "both events to be processed")
    assert seen == ["first", "for you"]


async def test_run_forever_dispatches_until_a_handler_stops_it(server: ServerProcess, clients: Any) -> None:
    runner = clients(unique("runner"), server.url)
    sender = clients(unique("sender"), server.url)
    await sender.connect()
    seen: List[str] = []

    @runner.on_message
    async def on_message(message: Message) -> None:
        seen.append(message.content)
        if message.content == "stop":
            runner.stop()

    running = asyncio.ensure_future(runner.run_forever())
    await eventually(lambda: runner.connected, "run_forever to connect")
    await sender.send_message("work", recipients=[runner.name])
    await sender.send_message("stop", recipients=[runner.name])
    await asyncio.wait_for(running, 20)
    assert seen == ["work", "stop"] and not runner.connected and runner.acked_seq == 2


async def test_close_inside_a_handler_counts_that_event_as_processed(server: ServerProcess, clients: Any) -> None:
    quitter = clients(unique("quitter"), server.url)
    sender = clients(unique("sender"), server.url)
    await quitter.connect()
    await sender.connect()
    closed = asyncio.Event()

    @quitter.on_message
    async def on_message(message: Message) -> None:
        await quitter.close()
        closed.set()

    await sender.send_message("shut down", recipients=[quitter.name])
    await asyncio.wait_for(closed.wait(), 20)
    assert quitter.acked_seq == 1 and not quitter.connected
