"""Fenced leases: the SDK sends the assignment a task came with, so work under a lost assignment is refused."""

from __future__ import annotations

import asyncio
from typing import Any, List, Tuple

import pytest

from _helpers import DEADLINE, Recorder, eventually, unique
from _server import ServerProcess
from agent_sdk import AgentStatus, ConflictError, LeaseLostError, Task, TaskLeaseLost
from agent_sdk.errors import error_from_code, error_from_payload


async def test_a_handler_finishing_after_its_task_was_taken_and_given_back_is_refused_and_the_new_assignment_completes(
    server: ServerProcess, clients: Any
) -> None:
    boss = clients(unique("fence-boss"), server.url)
    worker = clients(unique("fence-worker"), server.url)
    other = clients(unique("fence-other"), server.url)
    for client in (boss, worker, other):
        await client.connect()
    # Busy: the engine hands them none of the other tests' tasks; explicit assignments still reach them.
    await worker.set_status(AgentStatus.BUSY)
    await other.set_status(AgentStatus.BUSY)
    working = asyncio.Event()
    finish = asyncio.Event()
    outcomes: Recorder[Tuple[Any, Any]] = Recorder()
    lost: Recorder[TaskLeaseLost] = Recorder()

    @worker.on_task_assigned
    async def slow(task: Task) -> None:
        # The work outlasts the assignment: the task is taken away and given back before it ends.
        working.set()
        await finish.wait()
        outcome: Any
        try:
            outcome = await worker.complete_task(task.id, {"by": task.assignment_id})
        except ConflictError as refusal:
            outcome = refusal
        await outcomes.add((task.assignment_id, outcome))

    worker.on_task_lease_lost(lost.add)

    task = await boss.create_task("slow work", assign_to=worker.name)
    first = task.assignment_id
    assert first and task.assignments[-1].id == first
    await asyncio.wait_for(working.wait(), DEADLINE)
    assert worker.held_assignment(task.id) == first
    await boss.assign_task(task.id, other.name)
    second = (await boss.assign_task(task.id, worker.name)).assignment_id
    assert second and second != first
    finish.set()

    done = await outcomes.wait_for_count(2, "both attempts to end")
    stale_assignment, refusal = done[0]
    assert stale_assignment == first
    assert isinstance(refusal, LeaseLostError)
    assert refusal.code == "lease_lost" and refusal.field == "assignment_id"
    events = await lost.wait_for_count(1, "task:lease_lost")
    assert (events[0].task_id, events[0].assignment_id, events[0].reason) == (task.id, first, "reassigned")
    fresh_assignment, completed = done[1]
    assert fresh_assignment == second
    assert isinstance(completed, Task) and completed.status == "completed" and completed.result == {"by": second}
    assert worker.held_assignment(task.id) is None
    stored = await boss.get_task(task.id)
    assert [a.status for a in stored.assignments] == ["reassigned", "reassigned", "completed"]


async def test_progress_and_failure_carry_the_claimed_assignment_and_the_creators_edits_do_not(
    server: ServerProcess, clients: Any
) -> None:
    skill = unique("fence-skill")
    boss = clients(unique("fence-claim-boss"), server.url)
    worker = clients(unique("fence-claimer"), server.url, capabilities=[skill])
    away = clients(unique("fence-away"), server.url, capabilities=[skill])
    for client in (boss, worker, away):
        await client.connect()
    await worker.set_status(AgentStatus.BUSY)  # busy agents get no engine work, but may claim
    await away.set_status(AgentStatus.BUSY)
    task = await boss.create_task("claimed", requirements={"capabilities": [skill]})
    claimed = await worker.claim_task()
    assert claimed is not None and claimed.id == task.id
    assert worker.held_assignment(task.id) == claimed.assignment_id
    assert (await worker.update_task(task.id, status="in_progress")).status == "in_progress"

    await boss.assign_task(task.id, away.name)
    again = (await boss.assign_task(task.id, worker.name)).assignment_id
    # No handler runs, so the client has not heard of the new assignment: it still sends the claimed one.
    with pytest.raises(LeaseLostError):
        await worker.update_task(task.id, status="failed", result={"error": "late"})
    with pytest.raises(LeaseLostError):
        await worker.update_task(task.id, result="retried")
    assert (await boss.get_task(task.id)).result is None
    # The creator's edits are not fenced; with the new assignment given explicitly, the worker's report goes in.
    assert (await boss.update_task(task.id, priority=1)).priority == 1
    failed = await worker.update_task(task.id, status="failed", result={"error": "gave up"}, assignment_id=again)
    assert failed.status == "failed" and failed.assignment_id is None


async def test_task_lease_lost_events_reach_generic_handlers_with_their_model(server: ServerProcess, clients: Any) -> None:
    boss = clients(unique("fence-gen-boss"), server.url)
    worker = clients(unique("fence-gen"), server.url)
    taker = clients(unique("fence-taker"), server.url)
    for client in (boss, worker, taker):
        await client.connect()
    await worker.set_status(AgentStatus.BUSY)
    await taker.set_status(AgentStatus.BUSY)
    seen: List[Any] = []
    worker.on("task:lease_lost")(seen.append)
    worker.on_task_assigned(lambda task: None)

    task = await boss.create_task("cancelled under it", assign_to=worker.name)
    await boss.update_task(task.id, status="cancelled")

    await eventually(lambda: len(seen) == 1, "task:lease_lost")
    assert isinstance(seen[0], TaskLeaseLost)
    assert (seen[0].task_id, seen[0].assignment_id, seen[0].reason) == (task.id, task.assignment_id, "cancelled")
    assert seen[0].raw["agent"] == worker.name
    assert worker.held_assignment(task.id) is None


def test_lease_lost_maps_to_a_conflict_error_from_either_transport() -> None:
    over_ws = error_from_payload({"code": "lease_lost", "message": "over", "field": "assignment_id"})
    over_rest = error_from_payload({"code": "lease_lost", "detail": "over", "status": 409}, status=409)
    assert isinstance(over_ws, LeaseLostError) and isinstance(over_ws, ConflictError)
    assert over_ws.field == "assignment_id"
    assert isinstance(over_rest, LeaseLostError) and over_rest.status == 409
    # A 409 without a code stays a plain conflict.
    assert type(error_from_code(None, "?", status=409)) is ConflictError
