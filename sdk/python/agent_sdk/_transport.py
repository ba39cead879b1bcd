"""One WebSocket connection to ``/ws``: requests matched to their replies by id, pushes handed on.

This module knows the frame format and nothing about agents: ``{"event", "id", "data"}`` out,
``ack``/``error`` replies carrying the request's id back, and pushes ``{"event", "seq"?, "data"}``.
Reconnection, dispatch and acknowledgement live in :mod:`agent_sdk.client`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from typing import Any, Callable, Dict, Mapping, Optional

import websockets
import websockets.exceptions

from ._tracing import current_traceparent
from .errors import AgentConnectionError, ServerError, TooLargeError, error_from_payload

logger = logging.getLogger("agent_sdk")

#: Called by the reader for every push, in arrival order: (connection, event, seq or None, data).
PushCallback = Callable[["Connection", str, Optional[int], Any], None]


def encode(value: Any) -> str:
    """JSON for the wire: compact, with datetimes as ISO 8601 and dataclasses and enums by value."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    from dataclasses import asdict, is_dataclass
    from datetime import datetime, timezone
    from enum import Enum

    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        to_dict = getattr(value, "to_dict", None)
        return to_dict() if callable(to_dict) else asdict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class Connection:
    """An open, reading WebSocket. ``generation`` numbers the client's connections from 1."""

    def __init__(
        self,
        socket: Any,
        generation: int,
        on_push: PushCallback,
        max_frame_bytes: int,
    ) -> None:
        self._socket = socket
        self.generation = generation
        self._on_push = on_push
        self._max_frame_bytes = max_frame_bytes
        self._ids = itertools.count(1)
        self._pending: Dict[str, "asyncio.Future[Any]"] = {}
        self._on_ack: Dict[str, Callable[[Any], None]] = {}
        self._closed = asyncio.Event()
        self.close_reason = ""
        self._reader = asyncio.get_running_loop().create_task(self._read(), name=f"agent_sdk-reader-{generation}")

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        generation: int,
        on_push: PushCallback,
        open_timeout: float,
        max_frame_bytes: int,
        headers: Optional[Mapping[str, str]] = None,
    ) -> "Connection":
        """Opens the WebSocket (raises ``OSError`` or a ``websockets`` error when it cannot)."""
        socket = await websockets.connect(  # type: ignore[attr-defined]
            url,
            extra_headers=dict(headers or {}),
            open_timeout=open_timeout,
            max_size=None,  # the server bounds what it sends; do not drop a large task or memory value
            close_timeout=2,
        )
        return cls(socket, generation, on_push, max_frame_bytes)

    @property
    def is_closed(self) -> bool:
        return self._closed.is_set()

    async def wait_closed(self) -> None:
        """Returns once the connection has ended, for whatever reason."""
        await self._closed.wait()

    async def request(
        self,
        event: str,
        data: Any,
        timeout: float,
        on_ack: Optional[Callable[[Any], None]] = None,
    ) -> Any:
        """Sends ``event`` and returns its ack's data, or raises the typed error from its error frame.

        ``on_ack`` runs inside the reader before any later frame is looked at, so state it sets is in
        place before the pushes that follow the ack are handed on.
        Raises :class:`AgentConnectionError` when the connection ends before the reply, or none comes
        within ``timeout`` seconds (the connection is then dropped, as it is evidently not working).
        """
        if self.is_closed:
            raise AgentConnectionError(f"The connection is closed ({self.close_reason}).", generation=self.generation)
        request_id = f"r{next(self._ids)}"
        frame_fields: Dict[str, Any] = {"event": event, "id": request_id, "data": data}
        parent = current_traceparent()
        if parent is not None:
            frame_fields["traceparent"] = parent
        frame = encode(frame_fields)
        if len(frame.encode("utf-8")) > self._max_frame_bytes:
            raise TooLargeError(
                f"The {event} request is larger than the server's {self._max_frame_bytes}-byte frame limit.",
            )
        reply: "asyncio.Future[Any]" = asyncio.get_running_loop().create_future()
        self._pending[request_id] = reply
        if on_ack is not None:
            self._on_ack[request_id] = on_ack
        try:
            try:
                await self._socket.send(frame)
            except websockets.exceptions.ConnectionClosed as closed:
                raise AgentConnectionError(
                    f"The connection closed before {event} could be sent ({closed}).", generation=self.generation
                ) from closed
            # asyncio.wait, not wait_for: before Python 3.12, wait_for can swallow a cancellation that
            # arrives as the reply does, and a swallowed cancellation hangs whoever cancelled us.
            done, _ = await asyncio.wait({reply}, timeout=timeout)
            if not done:
                reply.cancel()
                self.abort(f"no reply to {event} within {timeout:g} s")
                raise AgentConnectionError(
                    f"No reply to {event} within {timeout:g} s; the connection is dropped and will be re-established.",
                    generation=self.generation,
                )
            return reply.result()
        finally:
            self._pending.pop(request_id, None)
            self._on_ack.pop(request_id, None)

    async def close(self) -> None:
        """Closes with a normal close handshake and waits for the reader to finish."""
        self.close_reason = self.close_reason or "closed by the client"
        try:
            await self._socket.close()
        except Exception:  # noqa: BLE001 - closing a broken socket
            pass
        done, _ = await asyncio.wait({self._reader}, timeout=5)
        if not done:
            self._reader.cancel()

    def abort(self, reason: str) -> None:
        """Drops the connection at once, without a close handshake."""
        self.close_reason = self.close_reason or reason
        transport = getattr(self._socket, "transport", None)
        if transport is not None:
            transport.abort()
        else:  # pragma: no cover - every legacy protocol has a transport
            self._reader.cancel()

    async def _read(self) -> None:
        try:
            async for raw in self._socket:
                self._handle(raw)
            self.close_reason = self.close_reason or f"closed by the server ({self._socket.close_code})"
        except websockets.exceptions.ConnectionClosed as closed:
            self.close_reason = self.close_reason or f"connection lost ({closed})"
        except asyncio.CancelledError:
            self.close_reason = self.close_reason or "reader cancelled"
        except Exception as error:  # noqa: BLE001 - a reader must not die silently
            self.close_reason = self.close_reason or f"reader failed: {error!r}"
            logger.exception("agent_sdk: reading from the WebSocket failed")
        finally:
            self._closed.set()
            for request_id, reply in list(self._pending.items()):
                if not reply.done():
                    reply.set_exception(
                        AgentConnectionError(
                            f"The connection dropped before the reply arrived ({self.close_reason}); "
                            "the server may or may not have carried out the request.",
                            generation=self.generation,
                        )
                    )
                self._pending.pop(request_id, None)
            try:
                await self._socket.close()
            except Exception:  # noqa: BLE001
                pass

    def _handle(self, raw: Any) -> None:
        try:
            frame = json.loads(raw)
        except (TypeError, ValueError):
            logger.warning("agent_sdk: ignoring a frame that is not JSON: %.200r", raw)
            return
        if not isinstance(frame, dict):
            logger.warning("agent_sdk: ignoring a frame that is not a JSON object: %.200r", raw)
            return
        event = frame.get("event")
        data = frame.get("data")
        if event in ("ack", "error"):
            request_id = frame.get("id")
            reply = self._pending.get(request_id) if isinstance(request_id, str) else None
            if reply is None or reply.done():
                if event == "error":
                    logger.warning("agent_sdk: server error not tied to a pending request: %s", error_from_payload(data))
                return
            assert isinstance(request_id, str)
            if event == "ack":
                hook = self._on_ack.pop(request_id, None)
                if hook is not None:
                    try:
                        hook(data)
                    except Exception as error:  # noqa: BLE001 - becomes the request's outcome
                        reply.set_exception(error)
                        return
                reply.set_result(data)
            else:
                reply.set_exception(error_from_payload(data))
            return
        if not isinstance(event, str):
            logger.warning("agent_sdk: ignoring a frame without an event: %.200r", raw)
            return
        seq = frame.get("seq")
        try:
            self._on_push(self, event, int(seq) if seq is not None else None, data)
        except Exception:  # noqa: BLE001 - a push consumer must not stop the reader
            logger.exception("agent_sdk: handing on a %s push failed", event)


def unexpected_reply(event: str, data: Any) -> ServerError:
    """The error for an ack whose data does not have the expected shape."""
    return ServerError(f"Unexpected reply to {event}: {data!r:.200}")
