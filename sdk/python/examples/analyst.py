"""The analyst: takes the tasks assigned to it, analyses the dataset they point at in shared memory,
writes its findings back to memory and completes the task. Runs until Ctrl+C.

    python3 sdk/python/examples/analyst.py [--server http://localhost:5000] [--name analyst]
"""

from __future__ import annotations

import asyncio
import statistics

import _common

from agent_sdk import AgentClient, Message, Task


async def main() -> None:
    args = _common.options(__doc__.splitlines()[0], "analyst").parse_args()
    _common.setup_logging(args.verbose)
    agent = AgentClient(name=args.name, agent_type="llm", server_url=args.server, capabilities=["analysis"])

    @agent.on_message
    async def handle_message(message: Message) -> None:
        print(f"[{agent.name}] message from {message.sender}: {message.content}")

    @agent.on_task_assigned
    async def handle_task(task: Task) -> None:
        print(f"[{agent.name}] task {task.title!r} (P{task.priority}) from {task.creator}")
        await agent.update_task(task.id, status="in_progress")
        dataset_key = task.requirements.get("dataset_key")
        if not dataset_key:
            await agent.update_task(task.id, status="failed", result={"error": "no dataset_key in requirements"})
            return
        values = (await agent.get_memory(dataset_key)).value
        findings = {
            "count": len(values),
            "mean": statistics.fmean(values),
            "min": min(values),
            "max": max(values),
        }
        results_key = f"analysis/{task.id}"
        await agent.set_memory(results_key, {"task": task.title, "dataset": dataset_key, **findings})
        await agent.send_message(f"Finished {task.title!r}: mean {findings['mean']:.2f}", task_id=task.id)
        await agent.complete_task(task.id, {"results_key": results_key, **findings})
        print(f"[{agent.name}] completed {task.title!r}: {findings}")

    _common.stop_on_signals(agent)
    print(f"[{agent.name}] waiting for tasks on {args.server} (Ctrl+C to stop)")
    await agent.run_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
