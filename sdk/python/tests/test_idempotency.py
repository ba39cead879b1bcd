"""Writes carry an idempotency key and are retried with it: a lost reply, a dropped socket or a server restart
never makes a write happen twice, and the caller gets the answer of the one that happened."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any, List

import httpx
import pytest

from _helpers import Recorder, eventually, unique
from _proxy import TcpProxy
from _server import OPERATOR_TOKEN, ServerProcess
from agent_sdk import IdempotencyMismatchError, Message, Task, WriteNotConfirmedError


def rest(server: ServerProcess, method: str, path: str, **kwargs: Any) -> Any:
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"}, timeout=10) as http:
        response = http.request(method, path, **kwargs)
        return response


def write_locked(server: ServerProcess) -> bool:
    """Whether a write transaction holds the database (SQLite allows one at a time)."""
    db = sqlite3.connect(server.database, timeout=0)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        db.close()


def messages_from(server: ServerProcess, sender: str) -> List[Any]:
    return rest(server, "GET", f"/api/messages?sender={sender}&limit=100").json()["items"]


async def test_a_write_whose_reply_is_lost_is_sent_again_with_its_key_and_happens_once(
    server: ServerProcess, proxy: TcpProxy, clients: Any
) -> None:
    receiver = clients(unique("receiver"), server.url)
    sender = clients(unique("sender"), proxy.url, request_timeout=2.0)
    got: Recorder[Message] = Recorder()
    receiver.on_message(got.add)
    await receiver.connect()
    await sender.connect()

    proxy.deaf = True  # the server stores the message; its ack never comes back
    sending = asyncio.ensure_future(sender.send_message("exactly once", recipients=[receiver.name]))
    await got.wait_until(lambda ms: len(ms) == 1, "the message to be stored and delivered")
    await eventually(lambda: proxy.unheard > 0, "the ack to be swallowed")
    proxy.deaf = False  # the client times out, drops the socket, reconnects and sends it again with its key

    sent = await asyncio.wait_for(sending, 30)
    assert proxy.accepted >= 2  # the retry went over a new connection
    assert [m["id"] for m in messages_from(server, sender.name)] == [sent.id]
    # The key is a version 7 UUID, and the id the server derives from it keeps its time (so keyed messages are stored
    # in time order, as the others are).
    assert abs(int(sent.id.replace("-", "")[:12], 16) - time.time() * 1000) < 60_000
    # The inbox is in order: had the retry delivered the message again, it would come before this one.
    after = await sender.send_message("after", recipients=[receiver.name])
    await got.wait_until(lambda ms: any(m.id == after.id for m in ms), "the next message")
    assert [m.id for m in got.items] == [sent.id, after.id]


async def test_a_task_completion_cut_off_by_a_dropped_socket_is_completed_once_after_reconnecting(
    server: ServerProcess, proxy: TcpProxy, clients: Any
) -> None:
    boss = clients(unique("boss"), server.url)
    worker = clients(unique("worker"), proxy.url)
    await boss.connect()
    await worker.connect()
    attempts: List[str] = []
    updates: Recorder[Task] = Recorder()
    boss.on_task_updated(updates.add)

    @worker.on_task_assigned
    async def work(task: Task) -> None:
        attempts.append(task.id)
        proxy.blackhole = True  # this completion never reaches the server: the socket drops first
        await worker.complete_task(task.id, {"attempt": len(attempts)})

    task = await boss.create_task("flaky network", assign_to=worker.name)
    await eventually(lambda: proxy.swallowed > 0, "the first completion to be sent")
    proxy.blackhole = False
    proxy.drop_all()

    done = await updates.wait_until(lambda ts: any(t.status == "completed" for t in ts), "the completion")
    assert attempts == [task.id]
    assert [t.result for t in done if t.status == "completed"] == [{"attempt": 1}]
    await eventually(lambda: worker.processed_seq == 1, "the event to count as processed")


async def test_over_sse_an_unanswered_completion_is_sent_again_over_rest_with_its_key_and_happens_once(
    server: ServerProcess, proxy: TcpProxy, clients: Any
) -> None:
    boss = clients(unique("boss"), server.url)
    worker = clients(unique("worker"), proxy.url, transport="sse", request_timeout=2.0)
    await boss.connect()
    await worker.connect()
    attempts: List[str] = []
    updates: Recorder[Task] = Recorder()
    boss.on_task_updated(updates.add)

    @worker.on_task_assigned
    async def work(task: Task) -> None:
        attempts.append(task.id)
        proxy.deaf = True  # the completion is carried out; its answer never comes back
        await worker.complete_task(task.id, {"attempt": len(attempts)})

    task = await boss.create_task("answer lost", assign_to=worker.name)
    done = await updates.wait_until(lambda ts: any(t.status == "completed" for t in ts), "the completion")
    await eventually(lambda: proxy.unheard > 0, "the answer to be swallowed")
    proxy.deaf = False

    await eventually(lambda: worker.processed_seq == 1, "the event to count as processed")
    assert attempts == [task.id]
    assert [t.result for t in done if t.status == "completed"] == [{"attempt": 1}]
    assert len(rest(server, "GET", f"/api/tasks/{task.id}").json()["assignments"]) == 1


async def test_a_write_in_flight_while_the_server_restarts_is_stored_exactly_once(
    restartable_server: ServerProcess, clients: Any
) -> None:
    server = restartable_server
    sender = clients(unique("sender"), server.url, request_timeout=3.0, write_attempts=30, write_retry_max_delay=1.0)
    receiver = clients(unique("receiver"), server.url)
    await receiver.connect()
    await sender.connect()
    # Fault injection: the insert of this message keeps the database busy for a while, so the server is
    # stopped while the write is in flight (committed or not: either way the retry must not make a second).
    with sqlite3.connect(server.database) as db:
        db.execute(
            """CREATE TRIGGER slow_send AFTER INSERT ON messages WHEN NEW.content = 'in flight'
               BEGIN SELECT count(*) FROM (WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 5000000)
               SELECT x FROM n); END"""
        )
    sending = asyncio.ensure_future(sender.send_message("in flight", recipients=[receiver.name]))
    await eventually(lambda: write_locked(server), "the slow insert to hold the database")
    await asyncio.get_running_loop().run_in_executor(None, server.restart)
    with sqlite3.connect(server.database) as db:
        db.execute("DROP TRIGGER IF EXISTS slow_send")

    sent = await asyncio.wait_for(sending, 60)
    stored = messages_from(server, sender.name)
    assert [m["id"] for m in stored] == [sent.id]
    assert stored[0]["content"] == "in flight"


async def test_the_same_key_sent_by_hand_with_another_body_is_an_idempotency_mismatch(
    server: ServerProcess, clients: Any
) -> None:
    agent = clients(unique("keys"), server.url)
    await agent.connect()
    first = await agent._session.request("memory:set", {"key": f"{agent.name}/k", "value": 1, "idempotency_key": "fixed-key"})
    again = await agent._session.request("memory:set", {"key": f"{agent.name}/k", "value": 1, "idempotency_key": "fixed-key"})
    assert again == first
    with pytest.raises(IdempotencyMismatchError) as raised:
        await agent._session.request("memory:set", {"key": f"{agent.name}/k", "value": 2, "idempotency_key": "fixed-key"})
    assert raised.value.code == "idempotency_mismatch" and raised.value.field == "idempotency_key"
    assert (await agent.get_memory(f"{agent.name}/k")).version == 1


async def test_a_write_that_never_gets_an_answer_fails_clearly_after_its_attempts(
    proxy: TcpProxy, clients: Any
) -> None:
    agent = clients(unique("unheard"), proxy.url, request_timeout=0.5, write_attempts=2, write_retry_initial_delay=0.05)
    await agent.connect()
    proxy.blackhole = True
    with pytest.raises(WriteNotConfirmedError) as raised:
        await agent.set_memory(f"{agent.name}/k", 1)
    proxy.blackhole = False
    error = raised.value
    assert error.attempts == 2 and error.event == "memory:set" and len(error.idempotency_key) == 36
    assert "may have been stored once" in error.message
