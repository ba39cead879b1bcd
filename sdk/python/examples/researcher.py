"""The researcher: shares datasets in memory, hands one analysis task per dataset to the analyst,
watches for the analyst's findings, and prints a summary once every task is completed.

    python3 sdk/python/examples/researcher.py [--server http://localhost:5000] [--analyst analyst]
"""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Set

import _common

from agent_sdk import AgentClient, MemoryUpdate, Message, NotFoundError, Task


async def wait_for_agent(agent: AgentClient, name: str) -> None:
    """Tasks can only be assigned to registered agents: wait until the analyst has registered once."""
    announced = False
    while True:
        try:
            await agent.get_agent(name)
            return
        except NotFoundError:
            if not announced:
                print(f"[{agent.name}] waiting for {name!r} to register: start analyst.py")
                announced = True
            await asyncio.sleep(1)


async def main() -> None:
    parser = _common.options(__doc__.splitlines()[0], "researcher")
    parser.add_argument("--analyst", default="analyst", help="the analyst's name (default: analyst)")
    parser.add_argument("--datasets", type=int, default=3, help="how many datasets to analyse (default: 3)")
    args = parser.parse_args()
    _common.setup_logging(args.verbose)

    agent = AgentClient(name=args.name, agent_type="llm", server_url=args.server, capabilities=["research"])
    run = uuid.uuid4().hex[:6]
    created: Set[str] = set()
    closed: Set[str] = set()
    all_done = asyncio.Event()

    def check_done() -> None:
        if len(created) == args.datasets and created <= closed:
            all_done.set()

    @agent.on_task_updated
    async def handle_task_update(task: Task) -> None:
        print(f"[{agent.name}] {task.title!r} is {task.status}")
        if task.is_closed:
            closed.add(task.id)
            check_done()

    @agent.on_memory_updated
    async def handle_findings(update: MemoryUpdate) -> None:
        if not update.deleted and isinstance(update.value, dict):
            print(f"[{agent.name}] new findings in {update.key}: mean {update.value.get('mean', 0):.2f}")

    @agent.on_message
    async def handle_message(message: Message) -> None:
        print(f"[{agent.name}] message from {message.sender}: {message.content}")

    async with agent:
        await agent.watch_memory(prefix="analysis/")
        await wait_for_agent(agent, args.analyst)
        await agent.send_message(content="Starting research task...", recipients=[args.analyst])
        for number in range(1, args.datasets + 1):
            dataset_key = f"research/{run}/dataset-{number}"
            values = [round(random.uniform(0, 100), 1) for _ in range(20)]
            await agent.set_memory(dataset_key, values)
            task = await agent.create_task(
                title=f"Analyze dataset {number} ({run})",
                description=f"Summary statistics of the values in memory key {dataset_key}",
                priority=min(number, 5),
                requirements={"dataset_key": dataset_key},
                assign_to=args.analyst,
            )
            print(f"[{agent.name}] assigned {task.title!r} to {args.analyst}")
            created.add(task.id)
            check_done()

        await all_done.wait()
        print(f"[{agent.name}] all tasks closed; findings:")
        for key in await agent.list_memory(prefix="analysis/"):
            entry = await agent.get_memory(key.key)
            if isinstance(entry.value, dict) and run in str(entry.value.get("task", "")):
                print(f"  {entry.value['task']}: mean {entry.value['mean']:.2f} "
                      f"(min {entry.value['min']}, max {entry.value['max']})")


if __name__ == "__main__":
    asyncio.run(main())
