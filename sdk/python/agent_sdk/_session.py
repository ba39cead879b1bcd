"""The engine under :class:`~agent_sdk.AgentClient`: one agent's reconnecting session.

A connection is a WebSocket (:mod:`agent_sdk._transport`), or without one an event stream or long poll over
plain HTTP with requests over REST (:mod:`agent_sdk._http_transport`); the rules below are the same for all.
The session registers (or authenticates) on every connection, reconnects with exponential backoff, dispatches
pushed events to handlers one at a time, acknowledges processed inbox sequences, and resumes after a
drop from the last processed sequence. The rules it keeps:

* An inbox event (one with ``seq``) is *processed* once all its handlers returned or raised. A handler
  that raises is logged and the event still counts as processed; the one exception is a handler that
  failed because the connection dropped under it (:class:`AgentConnectionError` from this session): that
  event is delivered again after the reconnection.
* On reconnection the session sends ``last_seq`` = the processed sequence (over HTTP as ``Last-Event-ID``
  or ``since_seq``), so the server replays everything after it; pushes at or below it are skipped. No gap,
  no duplicate.
* Processed sequences are acknowledged with ``inbox:ack`` (over HTTP ``POST /api/events/ack``) at most one
  round trip at a time, gathered for ``ack_delay`` seconds, and flushed on close, so the next run starts
  after them.
* Dispatch starts on the next loop turn after the first handler is registered while connected (or at
  connect when handlers exist, or in ``run_forever``). Until then pushes wait in the queue.
* Every handler call (skills included) runs through the middleware chain, outermost first.
* Fencing: as each ``task:assigned`` for this agent is dispatched (before its handlers), the task's
  ``assignment_id`` is remembered in :attr:`Session.assignments`, and dropped when that assignment's
  ``task:lease_lost`` is dispatched; the client sends it with the agent's own completions and updates. Being
  taken in dispatch order, a handler still busy with an old assignment completes under that one.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import os
import random
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Set, Union

from . import _tokens
from ._http_transport import EventStream, HttpConnection, LongPoll
from ._rest import RestClient
from ._transport import Connection
from .errors import (
    AgentChannelError,
    AgentConnectionError,
    ServerError,
    WriteNotConfirmedError,
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    GoneError,
    InvalidRequestError,
    NotFoundError,
    TooLargeError,
)
from .models import Agent, InboxPosition, MemoryUpdate, Message, Task, TaskLeaseLost

logger = logging.getLogger("agent_sdk")


def new_idempotency_key() -> str:
    """A new key for a write: a version 7 UUID (RFC 9562; Python's ``uuid`` has no ``uuid7`` before 3.14). The
    server derives a keyed message's or task's id from it and keeps its time order, so keyed writes are stored
    in time order like the others (docs/architecture.md, "Idempotency keys")."""
    value = (time.time_ns() // 1_000_000 & (1 << 48) - 1) << 80 | int.from_bytes(os.urandom(10), "big")
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # RFC 9562 variant
    return str(uuid.UUID(int=value))

MESSAGE_RECEIVED = "message:received"
TASK_ASSIGNED = "task:assigned"
TASK_UPDATED = "task:updated"
TASK_LEASE_LOST = "task:lease_lost"
#: A person in the loop (api.md): to the creator when its assignee asks or hands in work for approval, to the
#: assignee when the answer or the decision comes. Each carries the task.
TASK_INPUT_REQUIRED = "task:input_required"
TASK_INPUT_PROVIDED = "task:input_provided"
TASK_AWAITING_APPROVAL = "task:awaiting_approval"
TASK_APPROVED = "task:approved"
TASK_SENT_BACK = "task:sent_back"
MEMORY_UPDATED = "memory:updated"
AGENT_JOINED = "agent:joined"
AGENT_LEFT = "agent:left"

#: How a client gets its events: one WebSocket for everything, or over plain HTTP (see AgentClient).
TRANSPORTS = ("websocket", "sse", "poll")

#: Events the server pushes to a WebSocket only: they are live, not stored in the inbox that HTTP reads.
_WEBSOCKET_ONLY_EVENTS = frozenset({"memory:updated", "agent:joined", "agent:left"})

_PARSERS: Dict[str, Callable[[Mapping[str, Any]], Any]] = {
    MESSAGE_RECEIVED: Message.from_dict,
    TASK_ASSIGNED: Task.from_dict,
    TASK_UPDATED: Task.from_dict,
    TASK_LEASE_LOST: TaskLeaseLost.from_dict,
    TASK_INPUT_REQUIRED: Task.from_dict,
    TASK_INPUT_PROVIDED: Task.from_dict,
    TASK_AWAITING_APPROVAL: Task.from_dict,
    TASK_APPROVED: Task.from_dict,
    TASK_SENT_BACK: Task.from_dict,
    MEMORY_UPDATED: MemoryUpdate.from_dict,
    AGENT_JOINED: Agent.from_dict,
    AGENT_LEFT: Agent.from_dict,
}

#: A handler takes the event's model and may be a plain function or a coroutine function.
Handler = Callable[[Any], Union[Awaitable[Any], Any]]


@dataclass
class HandlerContext:
    """What a middleware knows about the handler call it wraps.

    Attributes:
        event: the pushed event's name (``"message:received"``, ``"task:assigned"``, ...).
        seq: its inbox sequence, or ``None`` for events that do not come from the inbox.
        data: what the handler gets (a :class:`Message`, :class:`Task`, ... or the raw data).
        handler: the handler's qualified name.
        skill: the capability, when the handler is a skill (see :meth:`AgentClient.skill`).
        agent: the :class:`AgentClient` the handler runs on.
        state: free for middleware to share values along the chain (e.g. a trace span).
    """

    event: str
    seq: Optional[int]
    data: Any
    handler: str
    skill: Optional[str] = None
    agent: Any = None
    state: Dict[str, Any] = field(default_factory=dict)


#: ``async def middleware(context, call_next)``: runs around each handler call; ``await call_next()``
#: runs the rest of the chain and the handler and returns the handler's result. Raising stops the call.
Middleware = Callable[[HandlerContext, Callable[[], Awaitable[Any]]], Awaitable[Any]]

#: Requests that change something: each is sent with an idempotency key and retried with it (api.md 1.1).
WRITE_EVENTS = frozenset({
    "message:send", "task:create", "task:assign", "task:update", "task:complete", "task:claim",
    "task:request_input", "task:provide_input", "task:approve", "task:send_back",
    "memory:set", "memory:delete", "channel:join", "channel:leave",
})

# Errors that retrying the same registration cannot fix: stop reconnecting and report them.
_FATAL_ON_REGISTER = (AuthenticationError, ForbiddenError, InvalidRequestError, ConflictError, NotFoundError, TooLargeError, GoneError)


@dataclass
class SessionConfig:
    """What a session needs to know; :class:`~agent_sdk.AgentClient` fills it from its arguments."""

    name: str
    agent_type: str
    capabilities: List[str]
    metadata: Dict[str, Any]
    http_url: str
    ws_url: str
    token_file: Path
    heartbeat_interval: float
    request_timeout: float
    reconnect_initial_delay: float
    reconnect_max_delay: float
    ack_delay: float
    max_frame_bytes: int
    user_agent: str
    transport: str = "websocket"
    #: Attempts a write makes in all, with one idempotency key, while it gets no answer (1: no retries).
    write_attempts: int = 8
    write_retry_initial_delay: float = 0.25
    write_retry_max_delay: float = 5.0

    @property
    def events_url(self) -> str:
        """Where the events come from, for messages."""
        if self.transport == "websocket":
            return self.ws_url
        return f"{self.http_url}/api/events" + ("/poll" if self.transport == "poll" else "")


@dataclass
class _Push:
    generation: int
    event: str
    seq: Optional[int]
    data: Any


class Session:
    """One agent's connection state. Not thread-safe: use it from one event loop."""

    def __init__(self, config: SessionConfig, token: Optional[str]) -> None:
        self.config = config
        self.token = token
        #: rotate_token() calls waiting for their answer: a reconnection refused meanwhile is tried again.
        self.rotations_in_flight = 0
        self._token_source: Optional[str] = "argument" if token else None
        self.handlers: Dict[str, List[Handler]] = {}
        self.middleware: List[Middleware] = []
        #: The AgentClient this session runs, handed to middleware in the context.
        self.owner: Any = None
        #: Given an event and its payload, the one handler that takes it alone (a skill's task), if any.
        self.exclusive: Optional[Callable[[str, Any], Optional[Handler]]] = None
        #: task id -> the assignment id this agent got the task under (its fencing value); see the module docstring.
        self.assignments: Dict[str, str] = {}
        self.watched_keys: Set[str] = set()
        self.watched_prefixes: Set[str] = set()
        self.info: Optional[Agent] = None
        self.inbox: Optional[InboxPosition] = None
        self.connection_count = 0
        self.processed_seq: Optional[int] = None
        self.received_seq: Optional[int] = None
        self.acked_seq = 0

        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._queue: Optional["asyncio.Queue[_Push]"] = None
        self._conn: Optional[Union[Connection, HttpConnection]] = None
        self._generation = 0
        self._redeliver_generation = 0
        self._current_seq: Optional[int] = None
        self._rest_client: Optional[RestClient] = None
        self._started = False
        self._closing = False
        self._fatal: Optional[BaseException] = None
        self._connect_lock: Optional[asyncio.Lock] = None
        self._ack_lock: Optional[asyncio.Lock] = None
        self._ack_wanted: Optional[asyncio.Event] = None
        self._state_changed: Optional[asyncio.Event] = None
        self._stopped: Optional[asyncio.Event] = None
        self._closed: Optional[asyncio.Event] = None
        self._supervisor: Optional["asyncio.Task[None]"] = None
        self._heartbeats: Optional["asyncio.Task[None]"] = None
        self._acker: Optional["asyncio.Task[None]"] = None
        self._dispatcher: Optional["asyncio.Task[None]"] = None
        self._dispatch_scheduled = False

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.is_closed

    # ------------------------------------------------------------------ lifecycle

    async def connect(self) -> Agent:
        self._bind_loop()
        assert self._connect_lock is not None
        async with self._connect_lock:
            if self._closing:
                raise AgentConnectionError("This client is closed; create a new AgentClient.")
            if self._started:
                assert self.info is not None
                return self.info
            if self.token is None:
                self.token = _tokens.read_token(self.config.token_file)
                self._token_source = "file" if self.token else None
            try:
                conn = await self._open_connection(initial=True)
            except AgentChannelError:
                raise
            except (OSError, asyncio.TimeoutError) as error:
                raise AgentConnectionError(f"Cannot reach {self.config.events_url}: {error!r}") from error
            except Exception as error:  # websockets handshake errors
                raise AgentConnectionError(f"Cannot open {self.config.events_url}: {error!r}") from error
            self._started = True
            self._set_connected(conn)
            loop = asyncio.get_running_loop()
            name = self.config.name
            self._supervisor = loop.create_task(self._supervise(), name=f"agent_sdk-supervisor-{name}")
            self._heartbeats = loop.create_task(self._heartbeat_loop(), name=f"agent_sdk-heartbeat-{name}")
            self._acker = loop.create_task(self._ack_loop(), name=f"agent_sdk-acks-{name}")
            if self.handlers:
                self._schedule_dispatch()
            assert self.info is not None
            return self.info

    async def run_until_stopped(self) -> None:
        """Starts dispatching and waits for stop()/close() or a fatal error (which it raises)."""
        self.start_dispatch()
        assert self._stopped is not None
        await self._stopped.wait()
        if self._fatal is not None:
            raise self._fatal

    def stop(self) -> None:
        if self._stopped is not None:
            self._stopped.set()

    async def close(self) -> None:
        if self._closing:
            if self._closed is not None and asyncio.current_task() is not self._dispatcher:
                await self._closed.wait()
            return
        self._closing = True
        self.stop()
        self._notify_state()
        in_dispatcher = self._dispatcher is not None and asyncio.current_task() is self._dispatcher
        if in_dispatcher and self._current_seq is not None:
            # Closing from a handler: that handler is done with its event.
            self.processed_seq = max(self.processed_seq or 0, self._current_seq)
        if self._ack_wanted is not None:
            self._ack_wanted.set()  # wakes the ack loop, which then sees _closing
        tasks = [t for t in (self._supervisor, self._heartbeats, self._acker) if t is not None]
        if self._dispatcher is not None and not in_dispatcher:
            tasks.append(self._dispatcher)
        for task in tasks:
            task.cancel()
        if tasks:
            _, stuck = await asyncio.wait(tasks, timeout=10)
            for task in stuck:
                logger.warning("%s did not stop when cancelled", task.get_name())
        conn = self._conn
        if conn is not None and not conn.is_closed:
            await self._flush_ack()
            await conn.close()
        self._conn = None
        if self._rest_client is not None:
            await self._rest_client.aclose()
        if self._closed is not None:
            self._closed.set()
        logger.info("%s closed (processed up to seq %s, acknowledged %s)", self.config.name, self.processed_seq,
                    self.acked_seq)

    # ------------------------------------------------------------------ requests

    async def request(self, event: str, data: Any) -> Any:
        """Sends a request on the open connection, waiting up to request_timeout for a reconnection. A write
        (:data:`WRITE_EVENTS`) carries a new ``idempotency_key`` and is sent again with it while it gets no answer."""
        if event not in WRITE_EVENTS:
            conn = await self._connection()
            return await conn.request(event, data, self.config.request_timeout)
        keyed = dict(data or {})
        key = keyed.setdefault("idempotency_key", new_idempotency_key())

        async def attempt() -> Any:
            conn = await self._connection()
            return await conn.request(event, keyed, self.config.request_timeout)

        return await self._retrying(event, str(key), attempt)

    async def rest(self, method: str, path: str, *, write: bool = False, **kwargs: Any) -> Any:
        """One REST call with the agent's token; a ``write`` carries a new ``Idempotency-Key`` and is sent again
        with it while it gets no answer."""
        if self._closing:
            raise AgentConnectionError("The client is closed.")
        if self._rest_client is None and self.token is None:
            self.token = _tokens.read_token(self.config.token_file)
            self._token_source = "file" if self.token else None
        if not write:
            return await self._http().request(method, path, **kwargs)
        key = new_idempotency_key()

        async def attempt() -> Any:
            if self._closing:
                raise AgentConnectionError("The client is closed.")
            return await self._http().request(method, path, idempotency_key=key, **kwargs)

        return await self._retrying(f"{method} {path}", key, attempt)

    async def _retrying(self, what: str, key: str, attempt: Callable[[], Awaitable[Any]]) -> Any:
        """Runs ``attempt`` until it is answered: again (backing off) after a lost connection or a server failure,
        which say nothing about whether the write happened, up to ``write_attempts`` times. The key makes the
        repeats safe: the server carries the write out once and answers every attempt alike."""
        delay = self.config.write_retry_initial_delay
        tries = 0
        while True:
            tries += 1
            try:
                return await attempt()
            except (AgentConnectionError, ServerError) as error:
                if self._closing or self._fatal is not None:
                    raise
                if tries >= self.config.write_attempts:
                    raise WriteNotConfirmedError(what, key, tries, error) from error
                wait = delay * (0.5 + random.random() / 2)
                logger.info("%s of %s got no answer (attempt %s, key %s): %s; trying again in %.2f s",
                            what, self.config.name, tries, key, error.message, wait)
                await asyncio.sleep(wait)
                delay = min(delay * 2, self.config.write_retry_max_delay)

    def require_websocket(self, what: str) -> None:
        """Refuses what only a WebSocket carries on a client that reads its events over plain HTTP."""
        if self.config.transport != "websocket":
            raise RuntimeError(
                f"{what} need the WebSocket: this client reads its events over plain HTTP "
                f"(transport={self.config.transport!r}), which carries only its inbox: message:received, "
                "task:assigned, task:updated."
            )

    async def rest_stream(self, path: str) -> Any:
        """A streamed REST ``GET`` (an artifact's bytes): the response once its headers are in; the caller reads and closes it."""
        if self._closing:
            raise AgentConnectionError("The client is closed.")
        return await self._http().open_stream(path, headers={}, read_timeout=self.config.request_timeout)

    def _http(self) -> RestClient:
        """The one HTTP client, shared by REST calls and, without a WebSocket, the connection's requests and events."""
        if self._rest_client is None:
            self._rest_client = RestClient(
                self.config.http_url, lambda: self.token, self.config.request_timeout, self.config.user_agent
            )
        return self._rest_client

    async def _connection(self) -> Union[Connection, HttpConnection]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.request_timeout
        while True:
            if self._fatal is not None:
                raise AgentConnectionError(f"The client stopped: {self._fatal}", generation=self._generation)
            if self._closing:
                raise AgentConnectionError("The client is closed.", generation=self._generation)
            if not self._started:
                raise AgentConnectionError("Not connected: call connect() first.")
            conn = self._conn
            if conn is not None and not conn.is_closed:
                return conn
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AgentConnectionError(
                    f"Not connected: still reconnecting after {self.config.request_timeout:g} s.",
                    generation=self._generation,
                )
            assert self._state_changed is not None
            await wait_event(self._state_changed, remaining)

    # ------------------------------------------------------------------ connections

    def _bind_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
            self._queue = asyncio.Queue()
            self._connect_lock = asyncio.Lock()
            self._ack_lock = asyncio.Lock()
            self._ack_wanted = asyncio.Event()
            self._state_changed = asyncio.Event()
            self._stopped = asyncio.Event()
            self._closed = asyncio.Event()
        elif self._loop is not loop:
            raise RuntimeError("An AgentClient is bound to the event loop it first connected on.")

    def _register_data(self) -> Dict[str, Any]:
        config = self.config
        data: Dict[str, Any] = {
            "name": config.name,
            "type": config.agent_type,
            "capabilities": config.capabilities,
            "metadata": config.metadata,
        }
        if self.token:
            data["token"] = self.token
        if self.processed_seq is not None:
            data["last_seq"] = self.processed_seq
        return data

    async def _register(self, conn: Union[Connection, HttpConnection]) -> None:
        await conn.request("agent:register", self._register_data(), self.config.request_timeout, self._on_registered)

    async def _new_connection(self) -> Union[Connection, HttpConnection]:
        """A WebSocket, open; or an HTTP connection, which starts reading events once registered."""
        config = self.config
        generation = self._generation + 1
        if config.transport == "websocket":
            return await Connection.open(
                config.ws_url,
                generation=generation,
                on_push=self._on_push,
                open_timeout=config.request_timeout,
                max_frame_bytes=config.max_frame_bytes,
                headers={"User-Agent": config.user_agent},
            )
        kind = EventStream if config.transport == "sse" else LongPoll
        return kind(self._http(), agent=config.name, generation=generation, on_push=self._on_push,
                    request_timeout=config.request_timeout)

    async def _open_connection(self, *, initial: bool) -> Union[Connection, HttpConnection]:
        """Opens a connection and registers on it; on reconnection also restores memory watches."""
        config = self.config
        conn = await self._new_connection()
        try:
            try:
                await self._register(conn)
            except AuthenticationError:
                if not (initial and self._token_source == "file"):
                    raise
                # A token file from an earlier server whose data was reset: the name may be free again.
                logger.warning("the server refused the token saved in %s; registering %r anew",
                               config.token_file, config.name)
                self.token, self._token_source = None, None
                try:
                    await self._register(conn)
                except ConflictError as error:
                    raise ConflictError(
                        f"{error.message} The token saved in {config.token_file} was refused too, so the name "
                        "belongs to another agent (or the token to another server).",
                        field=error.field,
                    ) from error
            except ConflictError as error:
                if self.token is None and initial:
                    raise ConflictError(
                        f"{error.message} No token for {config.name!r} was given or found in {config.token_file}.",
                        field=error.field,
                    ) from error
                raise
            if not initial:
                for key in sorted(self.watched_keys):
                    await conn.request("memory:watch", {"key": key, "snapshot": True}, config.request_timeout)
                for prefix in sorted(self.watched_prefixes):
                    await conn.request("memory:watch", {"prefix": prefix, "snapshot": True}, config.request_timeout)
        except Exception:
            await conn.close()
            raise
        except BaseException:
            conn.abort("registration cancelled")
            raise
        return conn

    def adopt_token(self, token: str) -> None:
        """A token the server just issued in place of the old one (rotation): used from now on, and saved."""
        self.token, self._token_source = str(token), "rotated"
        try:
            _tokens.write_token(self.config.token_file, self.token)
        except OSError as error:
            logger.error("could not save the rotated token to %s (%s); keep agent.token yourself",
                         self.config.token_file, error)

    def _on_registered(self, data: Any) -> None:
        """Runs in the reader as the register ack arrives, before any push that follows it."""
        if not isinstance(data, dict):
            raise AgentChannelError(f"Unexpected reply to agent:register: {data!r:.200}")
        token = data.get("token")
        if token:
            self.token, self._token_source = str(token), "registered"
            try:
                _tokens.write_token(self.config.token_file, self.token)
                logger.info("registered %r; token saved to %s", self.config.name, self.config.token_file)
            except OSError as error:
                logger.error("could not save the token to %s (%s); keep agent.token yourself",
                             self.config.token_file, error)
        self.info = Agent.from_dict(data.get("agent") or {})
        self.inbox = InboxPosition.from_dict(data.get("inbox") or {})
        replay_from = int(data.get("replay_from") or 0)
        if self.processed_seq is None:
            self.processed_seq = replay_from
        elif replay_from < self.processed_seq:
            logger.warning("the server's inbox for %r ends at seq %s, before the processed seq %s: its data was "
                           "reset, so counting starts again", self.config.name, replay_from, self.processed_seq)
            self.processed_seq = replay_from
        self.acked_seq = self.inbox.acked_seq

    def _set_connected(self, conn: Union[Connection, HttpConnection]) -> None:
        self._conn = conn
        self._generation = conn.generation
        self.connection_count += 1
        if self._ack_wanted is not None:
            self._ack_wanted.set()
        self._notify_state()
        logger.info("%s connected (connection %d, resuming after seq %s)", self.config.name, conn.generation,
                    self.processed_seq)

    def _notify_state(self) -> None:
        if self._state_changed is not None:
            self._state_changed.set()
            self._state_changed = asyncio.Event()

    def _fail(self, error: BaseException) -> None:
        self._fatal = error
        self._notify_state()
        self.stop()

    async def _supervise(self) -> None:
        """Waits for the connection to end and re-establishes it with exponential backoff."""
        config = self.config
        while not self._closing:
            conn = self._conn
            if conn is None:
                return
            await conn.wait_closed()
            if self._closing:
                return
            self._conn = None
            self._notify_state()
            logger.warning("%s lost its connection (%s); reconnecting", config.name, conn.close_reason)
            delay = config.reconnect_initial_delay
            attempt = 0
            while not self._closing:
                attempt += 1
                token_used = self.token
                try:
                    new_conn = await self._open_connection(initial=False)
                except AuthenticationError as error:
                    if self.token != token_used or self.rotations_in_flight:
                        # rotate_token() over REST: the server ended the stream before the answer with the new
                        # token arrived here, so this attempt carried the old one. Go again with the new one.
                        await asyncio.sleep(delay)
                        continue
                    logger.error("%s cannot reconnect: %s", config.name, error)
                    self._fail(error)
                    return
                except _FATAL_ON_REGISTER as error:
                    logger.error("%s cannot reconnect: %s", config.name, error)
                    self._fail(error)
                    return
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # noqa: BLE001 - server down, handshake refused, timeouts
                    wait = delay * random.uniform(0.5, 1.0)
                    logger.debug("reconnection attempt %d for %s failed (%r); next in %.2f s", attempt,
                                config.name, error, wait)
                    await asyncio.sleep(wait)
                    delay = min(delay * 2, config.reconnect_max_delay)
                    continue
                self._set_connected(new_conn)
                break

    async def _heartbeat_loop(self) -> None:
        while not self._closing:
            await asyncio.sleep(self.config.heartbeat_interval)
            conn = self._conn
            if conn is None or conn.is_closed:
                continue
            try:
                self.info = Agent.from_dict(await conn.request("agent:heartbeat", {}, self.config.request_timeout))
            except AgentChannelError as error:
                logger.debug("heartbeat for %s failed: %s", self.config.name, error)

    # ------------------------------------------------------------------ acknowledgements

    async def _ack_loop(self) -> None:
        assert self._ack_wanted is not None
        while not self._closing:
            await self._ack_wanted.wait()
            self._ack_wanted.clear()
            if self.config.ack_delay > 0:
                await asyncio.sleep(self.config.ack_delay)
            await self._flush_ack()

    async def _flush_ack(self) -> None:
        """Acknowledges the processed sequence if the server does not have it yet (one round trip)."""
        assert self._ack_lock is not None
        async with self._ack_lock:
            seq, conn = self.processed_seq, self._conn
            if seq is None or seq <= self.acked_seq or conn is None or conn.is_closed:
                return
            try:
                data = await conn.request("inbox:ack", {"seq": seq}, self.config.request_timeout)
            except AgentConnectionError:
                return  # sent again after the reconnection
            except AgentChannelError as error:
                logger.warning("acknowledging seq %s for %s failed: %s", seq, self.config.name, error)
                return
            self.acked_seq = max(self.acked_seq, seq)
            self.inbox = InboxPosition.from_dict(data or {})

    # ------------------------------------------------------------------ dispatch

    def add_handler(self, event: str, handler: Handler) -> None:
        if not callable(handler):
            raise TypeError("a handler must be callable")
        if event in _WEBSOCKET_ONLY_EVENTS:
            self.require_websocket(f"{event} handlers")
        self.handlers.setdefault(event, []).append(handler)
        self._schedule_dispatch()

    def start_dispatch(self) -> None:
        if self._dispatcher is None and not self._closing and self._loop is not None:
            self._dispatcher = self._loop.create_task(self._dispatch_loop(), name=f"agent_sdk-dispatch-{self.config.name}")

    def _schedule_dispatch(self) -> None:
        """Starts dispatch on the next loop turn, once connected, so handlers registered together all count."""
        if not self._started or self._dispatcher is not None or self._dispatch_scheduled or self._loop is None:
            return
        self._dispatch_scheduled = True
        self._loop.call_soon(self.start_dispatch)

    def _on_push(self, conn: Union[Connection, HttpConnection], event: str, seq: Optional[int], data: Any) -> None:
        assert self._queue is not None
        if seq is not None and (self.received_seq is None or seq > self.received_seq):
            self.received_seq = seq
        self._queue.put_nowait(_Push(conn.generation, event, seq, data))

    async def _dispatch_loop(self) -> None:
        assert self._queue is not None
        while not self._closing:
            push = await self._queue.get()
            if self._closing:
                return
            try:
                await self._dispatch(push)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the dispatcher must survive anything
                logger.exception("dispatching %s failed", push.event)

    async def _dispatch(self, push: _Push) -> None:
        seq = push.seq
        if seq is not None:
            if self.processed_seq is not None and seq <= self.processed_seq:
                logger.debug("skipping %s seq %s: already processed", push.event, seq)
                return
            if push.generation <= self._redeliver_generation:
                logger.debug("dropping %s seq %s: it comes again after the reconnection", push.event, seq)
                return
            if self.processed_seq is not None and seq != self.processed_seq + 1:
                logger.warning("%s got seq %s after %s: the server skipped some", self.config.name, seq,
                               self.processed_seq)
        if isinstance(push.data, dict):
            if push.event == TASK_ASSIGNED:
                self.learn_assignment(push.data)
            elif push.event == TASK_LEASE_LOST:
                self.forget_assignment(push.data.get("task_id"), push.data.get("assignment_id"))
            elif push.event == TASK_APPROVED:
                assignments = push.data.get("assignments") or [{}]
                self.forget_assignment(push.data.get("id"), (assignments[-1] or {}).get("id"))
        handlers = list(self.handlers.get(push.event, ()))
        payload: Any = push.data
        parser = _PARSERS.get(push.event)
        if handlers and parser is not None:
            try:
                payload = parser(push.data if isinstance(push.data, dict) else {})
            except Exception:  # noqa: BLE001
                logger.exception("could not read a %s event: %.200r", push.event, push.data)
                handlers = []
        if handlers and self.exclusive is not None:
            only = self.exclusive(push.event, payload)
            if only is not None:
                handlers = [only]
        redeliver = False
        self._current_seq = seq
        try:
            for handler in handlers:
                try:
                    if getattr(handler, "_agent_sdk_routes_skills", False):
                        # The skill router runs each skill through the middleware itself, naming the skill.
                        await handler(payload)
                    else:
                        await self.invoke(HandlerContext(push.event, seq, payload, _name(handler), agent=self.owner),
                                          handler, payload)
                except AgentConnectionError as error:
                    if seq is not None and error.generation is not None and not self._closing:
                        # The connection dropped under the handler: run it again after the reconnection.
                        self._redeliver_generation = max(self._redeliver_generation, error.generation)
                        logger.warning("%s handler %s lost the connection (%s); seq %s will be delivered again",
                                       push.event, _name(handler), error.message, seq)
                        redeliver = True
                        break
                    logger.exception("%s handler %s failed", push.event, _name(handler))
                except Exception:  # noqa: BLE001 - a failing handler must not stop the agent
                    logger.exception("%s handler %s raised; the event counts as processed", push.event,
                                     _name(handler))
        finally:
            self._current_seq = None
        if seq is not None and not redeliver:
            self.processed_seq = max(self.processed_seq or 0, seq)
            if self._ack_wanted is not None:
                self._ack_wanted.set()


    # ------------------------------------------------------------------ fencing

    def learn_assignment(self, task: Any) -> None:
        """Remembers the assignment of a task (its JSON) that is now this agent's."""
        if not isinstance(task, Mapping):
            return
        task_id, assignment, assignee = task.get("id"), task.get("assignment_id"), task.get("assigned_to")
        if task_id and assignment and isinstance(assignee, str) and assignee.lower() == self.config.name.lower():
            self.assignments[str(task_id)] = str(assignment)

    def forget_assignment(self, task_id: Any, assignment_id: Any) -> None:
        """Forgets a task's assignment, if it is still the one remembered."""
        if task_id and assignment_id and self.assignments.get(str(task_id)) == str(assignment_id):
            del self.assignments[str(task_id)]

    async def invoke(self, context: HandlerContext, handler: Handler, payload: Any) -> Any:
        """Calls ``handler(payload)`` (awaiting it if it is async) inside the middleware chain."""

        async def call_handler() -> Any:
            outcome = handler(payload)
            if inspect.isawaitable(outcome):
                outcome = await outcome
            return outcome

        call: Callable[[], Awaitable[Any]] = call_handler
        for middleware in reversed(self.middleware):
            call = functools.partial(middleware, context, call)
        return await call()

    @property
    def current_seq(self) -> Optional[int]:
        """The inbox sequence being dispatched right now, if any."""
        return self._current_seq


async def wait_event(event: asyncio.Event, timeout: float) -> bool:
    """Waits for ``event`` up to ``timeout`` seconds; True if it is set. Unlike ``asyncio.wait_for``
    before Python 3.12, never swallows a cancellation of the caller."""
    if event.is_set():
        return True
    waiter = asyncio.ensure_future(event.wait())
    try:
        done, _ = await asyncio.wait({waiter}, timeout=timeout)
        return bool(done)
    finally:
        waiter.cancel()


def _name(handler: Handler) -> str:
    return getattr(handler, "__qualname__", None) or repr(handler)
