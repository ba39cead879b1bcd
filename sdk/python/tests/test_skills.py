"""Skills (``@agent.skill``) and handler middleware (``agent.use``) against the real server."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, List, Tuple

import pytest

from _helpers import Recorder, eventually, unique
from _server import ServerProcess
from agent_sdk import HandlerContext, Message, Task


async def _until_closed(boss: Any, task_id: str, timeout: float = 20.0) -> Task:
    """Polls the task (REST) until it is completed, failed or cancelled, with a deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        task = await boss.get_task(task_id)
        if task.is_closed:
            return task
        if loop.time() > deadline:
            raise AssertionError(f"task {task_id} still {task.status} after {timeout:g} s")
        await asyncio.sleep(0.05)


async def test_a_skill_advertises_its_capability_and_completes_the_tasks_that_need_it(
    server: ServerProcess, clients: Any
) -> None:
    capability = unique("summarize")
    boss = clients(unique("boss"), server.url)
    worker = clients(unique("writer"), server.url, capabilities=["writing"])
    seen: List[Tuple[str, str]] = []

    @worker.skill(capability)
    async def summarize(task: Task) -> Any:
        seen.append((task.id, (await worker.get_task(task.id)).status))
        return {"summary": task.description[:5]}

    assert worker.skills == [capability]
    registered = await worker.connect()
    assert set(registered.capabilities) == {"writing", capability}
    await boss.connect()

    task = await boss.create_task("sum it up", description="a long text", requirements={"capabilities": [capability]})
    done = await _until_closed(boss, task.id)

    assert done.status == "completed" and done.assigned_to == worker.name
    assert done.result == {"summary": "a lon"}
    # The SDK started it before the skill ran, so the board showed it in progress meanwhile.
    assert seen == [(task.id, "in_progress")]
    assert [a.status for a in done.assignments] == ["completed"]


async def test_a_skill_that_raises_fails_its_task_with_the_error_and_the_agent_keeps_working(
    server: ServerProcess, clients: Any
) -> None:
    capability = unique("fragile")
    boss = clients(unique("boss"), server.url)
    worker = clients(unique("worker"), server.url)
    calls: List[str] = []

    @worker.skill(capability)
    def explode(task: Task) -> None:  # a plain function works too
        calls.append(task.title)
        if task.title == "bad":
            raise ValueError("cannot summarize this")

    await worker.connect()
    await boss.connect()
    bad = await boss.create_task("bad", requirements={"capabilities": [capability]})
    failed = await _until_closed(boss, bad.id)
    assert failed.status == "failed"
    assert failed.result == {"error": "ValueError: cannot summarize this"}

    good = await boss.create_task("good", requirements={"capabilities": [capability]})
    completed = await _until_closed(boss, good.id)
    assert completed.status == "completed" and completed.result is None
    assert calls == ["bad", "good"]


async def test_skill_tasks_go_to_the_skill_only_other_assignments_to_on_task_assigned(
    server: ServerProcess, clients: Any
) -> None:
    capability = unique("translate")
    boss = clients(unique("boss"), server.url)
    worker = clients(unique("worker"), server.url)
    by_skill: List[str] = []
    by_handler: Recorder[Task] = Recorder()

    @worker.skill(capability)
    async def translate(task: Task) -> str:
        by_skill.append(task.title)
        return "hola"

    worker.on_task_assigned(by_handler.add)
    await worker.connect()
    await boss.connect()

    skill_task = await boss.create_task("for the skill", requirements={"capabilities": [capability]})
    assert (await _until_closed(boss, skill_task.id)).result == "hola"
    await boss.create_task("by hand", assign_to=worker.name)
    got = await by_handler.wait_for_count(1, "the hand-assigned task")

    assert [t.title for t in got] == ["by hand"] and by_skill == ["for the skill"]


async def test_middleware_wraps_handlers_and_skills_in_order_with_their_context(server: ServerProcess, clients: Any) -> None:
    capability = unique("traced")
    boss = clients(unique("boss"), server.url)
    worker = clients(unique("worker"), server.url)
    trail: List[str] = []
    contexts: List[HandlerContext] = []
    messages: Recorder[Message] = Recorder()

    @worker.use
    async def outer(context: HandlerContext, call_next: Callable[[], Awaitable[Any]]) -> Any:
        trail.append(f"outer>{context.skill or context.event}")
        context.state["trace_id"] = "t-1"
        try:
            return await call_next()
        finally:
            trail.append(f"outer<{context.skill or context.event}")

    @worker.use
    async def inner(context: HandlerContext, call_next: Callable[[], Awaitable[Any]]) -> Any:
        contexts.append(context)
        trail.append(f"inner:{context.state['trace_id']}")
        result = await call_next()
        # Middleware sees, and may change, what the handler returned: here the skill's result.
        return {"wrapped": result} if context.skill else result

    @worker.skill(capability)
    async def work(task: Task) -> str:
        trail.append("skill")
        return "raw"

    @worker.on_message
    async def on_message(message: Message) -> None:
        trail.append("message")
        await messages.add(message)

    await worker.connect()
    await boss.connect()
    await boss.send_message("hello", recipients=[worker.name])
    await messages.wait_for_count(1, "messages")
    task = await boss.create_task("traced work", requirements={"capabilities": [capability]})
    done = await _until_closed(boss, task.id)

    assert done.result == {"wrapped": "raw"}
    assert trail == [
        "outer>message:received", "inner:t-1", "message", "outer<message:received",
        f"outer>{capability}", "inner:t-1", "skill", f"outer<{capability}",
    ]
    message_context, skill_context = contexts
    assert message_context.event == "message:received" and message_context.skill is None
    assert message_context.handler.endswith("on_message") and message_context.seq is not None
    assert skill_context.event == "task:assigned" and skill_context.skill == capability
    assert skill_context.handler.endswith("work") and skill_context.agent is worker
    assert isinstance(skill_context.data, Task) and skill_context.data.id == task.id


async def test_skills_are_registered_before_connect(server: ServerProcess, clients: Any) -> None:
    worker = clients(unique("late"), server.url)
    await worker.connect()
    with pytest.raises(RuntimeError, match="before connect"):
        worker.skill("too-late")
    with pytest.raises(ValueError):
        clients(unique("other"), server.url).skill("")
