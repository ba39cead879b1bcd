"""Artifacts: files uploaded to the server and attached by id to messages and task results (REST ``/api/artifacts``).

Uploads and downloads stream in pieces, so a large file is never held whole in memory (docs/api.md, "Artifacts").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, AsyncIterator, BinaryIO, Optional, Union

from ._rest import path_segment
from .models import Artifact

#: Bytes read from a file per piece of an upload (the server stores it in chunks of this size too).
CHUNK_BYTES = 256 * 1024

Source = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]", BinaryIO]
Destination = Union[str, "os.PathLike[str]", BinaryIO]


async def _pieces(file: BinaryIO) -> AsyncIterator[bytes]:
    while True:
        piece = file.read(CHUNK_BYTES)
        if not piece:
            return
        yield piece


class ArtifactMethods:
    """The artifact calls of :class:`agent_sdk.AgentClient` (mixed in; they use its session)."""

    _session: Any

    async def upload_artifact(
        self, content: Source, *, name: Optional[str] = None, content_type: Optional[str] = None
    ) -> Artifact:
        """Uploads a file and returns it as stored (id, size, SHA-256). ``content`` is bytes, a path, or a binary
        file object; a path or file is streamed in pieces. ``name`` defaults to the path's file name. Attach the
        artifact by id: ``send_message(..., artifacts=[artifact.id])``, ``complete_task(..., artifacts=[...])``.
        Until then only this agent and the operator may read it. Over the server's size limit it raises
        :class:`TooLargeError` and nothing is kept."""
        opened: Optional[BinaryIO] = None
        body: Any
        if isinstance(content, (bytes, bytearray, memoryview)):
            body = bytes(content)
        elif isinstance(content, (str, os.PathLike)):
            path = Path(content)
            name = name or path.name
            opened = path.open("rb")
            body = _pieces(opened)
        else:
            name = name or Path(getattr(content, "name", "") or "").name or None
            body = _pieces(content)
        if not name:
            raise ValueError("upload_artifact needs a name= for content that is not a file path.")
        try:
            stored = await self._session.rest(
                "POST", "/api/artifacts", params={"name": name}, content=body,
                content_type=content_type or "application/octet-stream",
            )
        finally:
            if opened is not None:
                opened.close()
        return Artifact.from_dict(stored)

    async def get_artifact(self, artifact_id: str) -> Artifact:
        """An artifact's record (name, type, size, SHA-256), if this agent may read it (else :class:`ForbiddenError`)."""
        return Artifact.from_dict(await self._session.rest("GET", f"/api/artifacts/{path_segment(artifact_id)}"))

    async def download_artifact(self, artifact_id: str, destination: Optional[Destination] = None) -> Optional[bytes]:
        """An artifact's bytes: returned, or, given a path or binary file as ``destination``, written there piece by
        piece (and ``None`` returned), for files too large to hold."""
        response = await self._session.rest_stream(f"/api/artifacts/{path_segment(artifact_id)}/content")
        try:
            if destination is None:
                return bytes(await response.aread())
            if isinstance(destination, (str, os.PathLike)):
                with open(destination, "wb") as file:
                    async for piece in response.aiter_bytes():
                        file.write(piece)
            else:
                async for piece in response.aiter_bytes():
                    destination.write(piece)
            return None
        finally:
            await response.aclose()

    async def delete_artifact(self, artifact_id: str) -> None:
        """Deletes an artifact this agent uploaded; what it was attached to keeps the id, which then reads not found."""
        await self._session.rest("DELETE", f"/api/artifacts/{path_segment(artifact_id)}")
