"""A connection without a WebSocket, for agents that cannot keep one: the inbox's events come from
``GET /api/events`` (Server-Sent Events, :class:`EventStream`) or its long poll ``GET /api/events/poll``
(:class:`LongPoll`), and every request goes to its REST counterpart (api.md 4.11 and 6.4).

It offers the session what a WebSocket :class:`~agent_sdk._transport.Connection` offers (``generation``,
``request``, ``close``, ``abort``, ``wait_closed``), so reconnection, dispatch, acknowledgement and resume are
the session's and the same for every transport. Where plain HTTP differs:

* ``agent:register`` takes several calls. The token is checked first (``POST /api/agents/{name}/heartbeat``):
  ``POST /api/agents/register`` would register a free name under a new token where the WebSocket refuses a token
  it does not know. Then the registration, then the inbox position (a long poll that does not wait), and only
  then are events read, after the replay point, as the WebSocket sends them after its register ack.
* Events are read after ``Last-Event-ID`` (the stream) or ``since_seq`` (the poll) = the session's ``last_seq``.
* A request that gets no answer (the network or the server failed) drops the connection, as a WebSocket
  request without a reply does, so the events after the last processed one come again on the next connection.
* Only inbox events travel here: no memory watches, no presence events.
"""

from __future__ import annotations

import asyncio
import json
import logging
import string
from typing import Any, Callable, Dict, List, Optional, Tuple

import httpx

from ._rest import RestClient, memory_path, path_segment
from ._transport import unexpected_reply
from .errors import AgentChannelError, AgentConnectionError, ForbiddenError, InvalidRequestError, NotFoundError

logger = logging.getLogger("agent_sdk")

#: Called for every event, in arrival order: (connection, event, seq or None, data).
PushCallback = Callable[["HttpConnection", str, Optional[int], Any], None]

#: The server writes a keep-alive comment every 15 s to an idle stream; three missed ones mean the
#: connection is dead even if TCP has not noticed (a NAT or proxy that forgot it sends no reset).
STREAM_SILENCE_LIMIT = 45.0

#: How long one long poll waits for an event (the server's default; at most 60).
POLL_WAIT_SECONDS = 30

#: The REST counterpart of each request the client makes (api.md 6.4). A ``{field}`` in the path is taken out
#: of the request's data; ``{agent}`` is the agent's own name.
_COUNTERPARTS: Dict[str, Tuple[str, str]] = {
    "agent:heartbeat": ("POST", "/api/agents/{agent}/heartbeat"),
    "agent:rotate_token": ("POST", "/api/agents/{agent}/token"),
    "message:send": ("POST", "/api/messages"),
    "task:create": ("POST", "/api/tasks"),
    "task:assign": ("POST", "/api/tasks/{task_id}/assign"),
    "task:update": ("PUT", "/api/tasks/{task_id}"),
    "task:complete": ("POST", "/api/tasks/{task_id}/complete"),
    "task:claim": ("POST", "/api/tasks/claim"),
    "task:request_input": ("POST", "/api/tasks/{task_id}/request-input"),
    "task:provide_input": ("POST", "/api/tasks/{task_id}/provide-input"),
    "task:approve": ("POST", "/api/tasks/{task_id}/approve"),
    "task:send_back": ("POST", "/api/tasks/{task_id}/send-back"),
    "memory:set": ("POST", "/api/memory"),
    "memory:get": ("GET", "/api/memory/{key}"),
    "channel:join": ("POST", "/api/channels/{channel}/join"),
    "channel:leave": ("POST", "/api/channels/{channel}/leave"),
    "inbox:ack": ("POST", "/api/events/ack"),
}


class HttpConnection:
    """What the event stream and the long poll share: registration, requests over REST, closing.
    ``generation`` numbers the client's connections from 1."""

    def __init__(
        self, rest: RestClient, *, agent: str, generation: int, on_push: PushCallback, request_timeout: float
    ) -> None:
        self._rest = rest
        self._agent = agent
        self.generation = generation
        self._on_push = on_push
        self._request_timeout = request_timeout
        self._closed = asyncio.Event()
        self.close_reason = ""
        self._reader: Optional["asyncio.Task[None]"] = None

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
        """Carries out ``event`` over REST and returns what the WebSocket's ack would carry, or raises the typed
        error. ``on_ack`` (registration only) runs before any event is read, as on the WebSocket.

        Raises :class:`AgentConnectionError` when no answer came; the connection is then dropped.
        """
        if self.is_closed:
            raise AgentConnectionError(f"The connection is closed ({self.close_reason}).", generation=self.generation)
        if event == "agent:register":
            return await self._register(dict(data or {}), timeout, on_ack)  # a failure ends this connection anyway
        try:
            return await self._over_rest(event, dict(data or {}), timeout)
        except AgentConnectionError as error:
            self.abort(f"no answer to {event}")
            raise AgentConnectionError(
                f"{error.message}; the server may or may not have carried out {event}. The connection is dropped "
                "and will be re-established.",
                generation=self.generation,
            ) from error

    async def close(self) -> None:
        """Stops reading events and waits for the reader to finish."""
        self.close_reason = self.close_reason or "closed by the client"
        self._stop_reading()
        if self._reader is not None:
            await asyncio.wait({self._reader}, timeout=5)

    def abort(self, reason: str) -> None:
        """Drops the connection at once."""
        self.close_reason = self.close_reason or reason
        self._stop_reading()

    def _stop_reading(self) -> None:
        if self._reader is None:
            self._closed.set()
        else:
            self._reader.cancel()  # the reader closes its response and marks the connection closed

    # ------------------------------------------------------------------ requests

    async def _register(self, data: Dict[str, Any], timeout: float, on_ack: Optional[Callable[[Any], None]]) -> Any:
        """The WebSocket's ``agent:register`` over REST, then the start of event reading after ``replay_from``."""
        name = str(data.get("name") or self._agent)
        token = data.get("token") or None
        if token:
            try:
                await self._rest.send("POST", f"/api/agents/{path_segment(name)}/heartbeat", token=token, json={},
                                      timeout=timeout)
            except (ForbiddenError, NotFoundError) as error:
                raise InvalidRequestError(f"The token is another agent's, not {name!r}'s.", field="name") from error
        profile = {key: data[key] for key in ("name", "type", "capabilities", "metadata") if key in data}
        registered = await self._rest.send("POST", "/api/agents/register", token=token, json=profile, timeout=timeout)
        if not isinstance(registered, dict):
            raise unexpected_reply("POST /api/agents/register", registered)
        token = registered.get("token") or token
        # A poll that does not wait: it only reads where the inbox stands, as the register ack says it.
        page = await self._rest.send("GET", "/api/events/poll", token=token,
                                     params={"wait_seconds": 0, "limit": 1}, timeout=timeout)
        if not isinstance(page, dict):
            raise unexpected_reply("GET /api/events/poll", page)
        inbox = {"last_seq": int(page.get("last_seq") or 0), "acked_seq": int(page.get("acked_seq") or 0)}
        last_seq = data.get("last_seq")
        # As the server does for the WebSocket: after the given last_seq (capped at the inbox's end), else after the ack.
        replay_from = min(int(last_seq), inbox["last_seq"]) if last_seq is not None else inbox["acked_seq"]
        ack = {"agent": registered.get("agent"), "token": registered.get("token"), "inbox": inbox,
               "replay_from": replay_from}
        if on_ack is not None:
            on_ack(ack)
        await self._start_reading(replay_from)
        return ack

    async def _over_rest(self, event: str, body: Dict[str, Any], timeout: float) -> Any:
        counterpart = _COUNTERPARTS.get(event)
        if counterpart is None:
            raise RuntimeError(f"{event} has no REST counterpart: it needs the WebSocket (transport='websocket').")
        method, template = counterpart
        path = self._path(template, body)
        # REST takes the key as a header, not a body field.
        key = body.pop("idempotency_key", None)
        result = await self._rest.request(method, path, json=None if method == "GET" else body, timeout=timeout,
                                          idempotency_key=key)
        if event == "task:claim":
            return {"task": result}  # the WebSocket acks {"task": null} where REST answers 204
        return result

    def _path(self, template: str, body: Dict[str, Any]) -> str:
        values: Dict[str, str] = {}
        for _, field, _, _ in string.Formatter().parse(template):
            if field is None:
                continue
            if field == "agent":
                values[field] = path_segment(self._agent)
                continue
            value = body.pop(field, None)
            if value is None or value == "":
                raise InvalidRequestError(f"'{field}' is required.", field=field)
            values[field] = memory_path(str(value)) if field == "key" else path_segment(str(value))
        return template.format(**values)

    # ------------------------------------------------------------------ events

    async def _start_reading(self, replay_from: int) -> None:
        raise NotImplementedError

    def _hand_on(self, event: Any, seq: Any, data: Any) -> None:
        if not isinstance(event, str) or not event:
            logger.warning("agent_sdk: ignoring an event without a name: %.200r", data)
            return
        try:
            number = int(seq) if seq is not None and seq != "" else None
        except (TypeError, ValueError):
            logger.warning("agent_sdk: ignoring a %s event whose id %r is not an inbox seq", event, seq)
            return
        try:
            self._on_push(self, event, number, data)
        except Exception:  # noqa: BLE001 - a push consumer must not stop the reader
            logger.exception("agent_sdk: handing on a %s event failed", event)


class EventStream(HttpConnection):
    """The inbox as Server-Sent Events: ``GET /api/events`` with ``Last-Event-ID``, one event per inbox entry
    (``id`` = its seq), read until the stream ends."""

    async def _start_reading(self, replay_from: int) -> None:
        response = await self._rest.open_stream(
            "/api/events",
            headers={"Accept": "text/event-stream", "Last-Event-ID": str(replay_from)},
            read_timeout=STREAM_SILENCE_LIMIT,
        )
        self._reader = asyncio.get_running_loop().create_task(self._read(response),
                                                              name=f"agent_sdk-events-{self.generation}")

    async def _read(self, response: httpx.Response) -> None:
        lines = _Lines()
        fields = _EventFields()
        try:
            async for chunk in response.aiter_bytes():
                for line in lines.feed(chunk):
                    complete = fields.add(line)
                    if complete is not None:
                        self._hand_on_text(*complete)
            self.close_reason = self.close_reason or "the server ended the stream"
        except httpx.ReadTimeout:
            self.close_reason = self.close_reason or f"nothing from the server for {STREAM_SILENCE_LIMIT:g} s"
        except httpx.TransportError as error:
            self.close_reason = self.close_reason or f"connection lost ({error!r})"
        except asyncio.CancelledError:
            self.close_reason = self.close_reason or "reader cancelled"
        except Exception as error:  # noqa: BLE001 - a reader must not die silently
            self.close_reason = self.close_reason or f"reader failed: {error!r}"
            logger.exception("agent_sdk: reading the event stream failed")
        finally:
            self._closed.set()
            try:
                await response.aclose()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass

    def _hand_on_text(self, event: str, event_id: Optional[str], data: str) -> None:
        try:
            payload = json.loads(data)
        except ValueError:
            logger.warning("agent_sdk: ignoring a %s event whose data is not JSON: %.200r", event, data)
            return
        self._hand_on(event, event_id, payload)


class LongPoll(HttpConnection):
    """The inbox by long poll: ``GET /api/events/poll`` from ``since_seq``, again and again, each answering as soon
    as the inbox holds events after it (or empty after :data:`POLL_WAIT_SECONDS`)."""

    async def _start_reading(self, replay_from: int) -> None:
        self._reader = asyncio.get_running_loop().create_task(self._read(replay_from),
                                                              name=f"agent_sdk-poll-{self.generation}")

    async def _read(self, since_seq: int) -> None:
        try:
            while True:
                page = await self._rest.request(
                    "GET", "/api/events/poll", params={"since_seq": since_seq, "wait_seconds": POLL_WAIT_SECONDS},
                    timeout=POLL_WAIT_SECONDS + self._request_timeout,
                )
                if not isinstance(page, dict):
                    raise unexpected_reply("GET /api/events/poll", page)
                events = page.get("events")
                for item in events if isinstance(events, list) else []:
                    if isinstance(item, dict):
                        self._hand_on(item.get("event"), item.get("seq"), item.get("data"))
                since_seq = int(page.get("next_since_seq", since_seq))
        except AgentChannelError as error:
            self.close_reason = self.close_reason or f"poll failed: {error}"
        except asyncio.CancelledError:
            self.close_reason = self.close_reason or "reader cancelled"
        except Exception as error:  # noqa: BLE001 - a reader must not die silently
            self.close_reason = self.close_reason or f"poll failed: {error!r}"
            logger.exception("agent_sdk: polling the inbox failed")
        finally:
            self._closed.set()


class _Lines:
    """Splits the stream's bytes into text lines. The server ends lines with ``\\n``; ``\\r\\n`` is taken too (a
    lone ``\\r``, which the format also allows, is not). Split here rather than by httpx's ``aiter_lines``, whose
    newer versions also break lines at characters such as U+2028 that JSON may carry unescaped."""

    def __init__(self) -> None:
        self._partial = b""

    def feed(self, chunk: bytes) -> List[str]:
        *complete, self._partial = (self._partial + chunk).split(b"\n")
        return [(line[:-1] if line.endswith(b"\r") else line).decode("utf-8", errors="replace") for line in complete]


class _EventFields:
    """Gathers one event from its lines, by the format's rules as far as a client of this server needs them
    (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation)."""

    def __init__(self) -> None:
        self._event = ""
        self._id: Optional[str] = None
        self._data: List[str] = []

    def _reset(self) -> None:
        self._event, self._id, self._data = "", None, []

    def add(self, line: str) -> Optional[Tuple[str, Optional[str], str]]:
        """Takes one line; returns ``(event, id, data)`` when a blank line ends an event that has data."""
        if not line:
            event, event_id, data = self._event or "message", self._id, self._data
            self._reset()
            return (event, event_id, "\n".join(data)) if data else None
        if line.startswith(":"):
            return None  # a comment: the stream's greeting and its keep-alives
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            # Each inbox event carries its own id (its seq); the format's carrying of an id over to later
            # events without one is not needed, so an event without an id has no seq.
            self._id = value
        return None  # "retry" and unknown fields: reconnection timing is the session's
