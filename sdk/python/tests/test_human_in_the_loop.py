"""A person in the loop: the assignee asks and hands in for approval, the creator answers and decides; each side
reacts to the other's move through its handlers, over the WebSocket and over plain HTTP (SSE)."""

from __future__ import annotations

import asyncio
from typing import Any, List

import pytest

from _helpers import DEADLINE, unique
from _server import ServerProcess
from agent_sdk import AgentStatus, ForbiddenError, Task, TaskStatus


@pytest.mark.parametrize("transport", ["websocket", "sse"])
async def test_the_worker_asks_the_creator_answers_then_sends_it_back_once_and_approves(
    server: ServerProcess, clients: Any, transport: str
) -> None:
    boss = clients(unique("hitl-boss"), server.url, transport=transport)
    worker = clients(unique("hitl-worker"), server.url, transport=transport)
    for client in (boss, worker):
        await client.connect()
        # Busy: the engine hands them none of the other tests' tasks; explicit assignments still reach them.
        await client.set_status(AgentStatus.BUSY)
    approved: "asyncio.Future[Task]" = asyncio.get_running_loop().create_future()
    answers: List[Any] = []
    comments: List[Any] = []

    @worker.on_task_assigned
    async def ask(task: Task) -> None:
        asked = await worker.request_input(task.id, "Which format?")
        assert asked.status == TaskStatus.INPUT_REQUIRED and asked.question == "Which format?"
        assert asked.lease_expires_at is None

    @boss.on_task_input_required
    async def answer(task: Task) -> None:
        with pytest.raises(ForbiddenError):
            await worker.provide_input(task.id, "my own answer")
        await boss.provide_input(task.id, f"answer to {task.question}")

    @worker.on_task_input_provided
    async def continue_work(task: Task) -> None:
        answers.append(task.answer)
        handed_in = await worker.complete_task(task.id, {"format": task.answer, "draft": 1})
        assert handed_in.status == TaskStatus.AWAITING_APPROVAL
        assert worker.held_assignment(task.id) == handed_in.assignment_id

    @boss.on_task_awaiting_approval
    async def decide(task: Task) -> None:
        if task.review is None:
            await boss.send_back_task(task.id, "Once more.")
        else:
            await boss.approve_task(task.id, "Good.")

    @worker.on_task_sent_back
    async def redo(task: Task) -> None:
        comments.append((task.review or {}).get("comment"))
        await worker.complete_task(task.id, {"draft": 2})

    @worker.on_task_approved
    async def done(task: Task) -> None:
        if not approved.done():
            approved.set_result(task)

    created = await boss.create_task("decide with me", assign_to=worker.name, requires_approval=True)
    assert created.requires_approval

    task = await asyncio.wait_for(approved, DEADLINE)
    assert task.id == created.id and task.status == TaskStatus.COMPLETED
    assert task.review and task.review["decision"] == "approved"
    assert task.result == {"draft": 2}
    assert answers == ["answer to Which format?"] and comments == ["Once more."]
    assert worker.held_assignment(task.id) is None
