"""Artifacts through the SDK: upload (bytes and a streamed file), attach to a message and a task result, download the
same bytes by the recipient, refused for an agent outside the audience."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from _helpers import Recorder, unique
from _server import ServerProcess
from agent_sdk import ForbiddenError, Message


async def test_a_file_attached_to_a_message_is_downloaded_byte_for_byte_by_its_recipient(
    server: ServerProcess, clients: Any, tmp_path: Path
) -> None:
    sender = clients(unique("art-sender"), server.url)
    recipient = clients(unique("art-recipient"), server.url)
    outsider = clients(unique("art-outsider"), server.url)
    got: Recorder[Message] = Recorder()
    recipient.on_message(got.add)
    await sender.connect()
    await recipient.connect()
    await outsider.connect()

    data = os.urandom(600 * 1024)  # three pieces of 256 KiB, streamed from the file
    source = tmp_path / "data.bin"
    source.write_bytes(data)
    artifact = await sender.upload_artifact(source, content_type="application/x-test")
    assert artifact.name == "data.bin"
    assert artifact.size == len(data)
    assert artifact.sha256 == hashlib.sha256(data).hexdigest()
    assert artifact.owner == sender.name

    sent = await sender.send_message("the data", recipients=[recipient.name], artifacts=[artifact.id])
    assert sent.artifacts == [artifact.id]
    message = (await got.wait_until(lambda ms: len(ms) == 1, "the message"))[0]
    assert message.artifacts == [artifact.id]

    assert (await recipient.get_artifact(artifact.id)).content_type == "application/x-test"
    assert await recipient.download_artifact(artifact.id) == data
    target = tmp_path / "copy.bin"
    assert await recipient.download_artifact(artifact.id, target) is None
    assert target.read_bytes() == data
    with pytest.raises(ForbiddenError):
        await outsider.download_artifact(artifact.id)


async def test_an_artifact_attached_to_a_task_result_is_read_by_the_tasks_creator(server: ServerProcess, clients: Any) -> None:
    creator = clients(unique("art-creator"), server.url)
    worker = clients(unique("art-worker"), server.url)
    await creator.connect()
    await worker.connect()
    task = await creator.create_task("write a summary", assign_to=worker.name)

    draft = await worker.upload_artifact(b"first draft", name="draft.txt", content_type="text/plain")
    assert (await worker.update_task(task.id, status="in_progress", artifacts=[draft.id])).artifacts == [draft.id]
    summary = await worker.upload_artifact(b'{"summary": "short"}', name="summary.json", content_type="application/json")
    completed = await worker.complete_task(task.id, {"ok": True}, artifacts=[summary.id])
    assert completed.artifacts == [draft.id, summary.id]
    assert (await creator.get_task(task.id)).artifacts == [draft.id, summary.id]
    assert await creator.download_artifact(draft.id) == b"first draft"
    assert await creator.download_artifact(summary.id) == b'{"summary": "short"}'
