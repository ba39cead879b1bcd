"""``AgentClient``: one agent on an Orleans.AgentChannel server.

Requests go over the WebSocket (``/ws``) where the protocol has them, and over REST for listings and the
few operations the WebSocket does not carry. An agent that cannot keep a WebSocket (``transport="sse"`` or
``"poll"``) sends them all over REST and reads its inbox from ``GET /api/events``. Pushed events are handed
to the handlers registered with the ``on_*`` decorators, one at a time, in the order the server sent them.
Connection handling, reconnection, acknowledgement and dispatch live in :mod:`agent_sdk._session`; its
docstring states the delivery rules.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, List, Literal, Mapping, Optional, Sequence, TypeVar, Union
from urllib.parse import urlsplit, urlunsplit

from . import _tokens
from ._artifacts import ArtifactMethods
from ._rest import memory_path, path_segment
from ._session import (
    AGENT_JOINED,
    AGENT_LEFT,
    MEMORY_UPDATED,
    MESSAGE_RECEIVED,
    TASK_ASSIGNED,
    TASK_LEASE_LOST,
    TASK_INPUT_REQUIRED,
    TASK_INPUT_PROVIDED,
    TASK_AWAITING_APPROVAL,
    TASK_APPROVED,
    TASK_SENT_BACK,
    TASK_UPDATED,
    TRANSPORTS,
    Handler,
    HandlerContext,
    Middleware,
    Session,
    SessionConfig,
)
from ._version import __version__
from .errors import AgentChannelError, AgentConnectionError, ConflictError, InvalidRequestError
from .models import (
    AccessControl,
    Agent,
    AgentStatus,
    Channel,
    InboxPosition,
    MemoryEntry,
    MemoryHit,
    MemoryKey,
    Message,
    MessageHit,
    Page,
    Task,
    TaskStatus,
    Watching,
)

__all__ = [
    "AgentClient",
    "Handler",
    "HandlerContext",
    "Middleware",
    "UNSET",
    "MESSAGE_RECEIVED",
    "TASK_ASSIGNED",
    "TASK_UPDATED",
    "TASK_LEASE_LOST",
    "TASK_INPUT_REQUIRED",
    "TASK_INPUT_PROVIDED",
    "TASK_AWAITING_APPROVAL",
    "TASK_APPROVED",
    "TASK_SENT_BACK",
    "MEMORY_UPDATED",
    "AGENT_JOINED",
    "AGENT_LEFT",
]

H = TypeVar("H", bound=Callable[..., Any])

logger = logging.getLogger("agent_sdk")


class _Unset:
    """Marks an argument that was not given (``None`` is a legitimate JSON value for a task result)."""

    def __repr__(self) -> str:
        return "UNSET"


#: The default of optional arguments where ``None`` would mean JSON ``null``.
UNSET: Any = _Unset()


def _ws_url(server_url: str) -> str:
    parts = urlsplit(server_url)
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    if scheme is None:
        raise ValueError(f"server_url must start with http://, https://, ws:// or wss://, not {server_url!r}")
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + "/ws", "", ""))


def _http_url(server_url: str) -> str:
    parts = urlsplit(server_url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


class AgentClient(ArtifactMethods):
    """An agent on an Orleans.AgentChannel server.

    Example::

        agent = AgentClient(name="research_agent", agent_type="llm", server_url="http://localhost:5000")
        await agent.connect()
        await agent.send_message(content="Starting research task...", recipients=["analysis_agent"])

        @agent.on_message
        async def handle_message(message):
            print(f"Received: {message.content}")

        await agent.run_forever()

    Handlers: dispatch starts on the next turn of the event loop after the first handler is registered
    on a connected client (or at :meth:`connect` when handlers were registered before it, or in
    :meth:`run_forever`). Register all handlers together, without an ``await`` between them; events that
    arrive before dispatch starts wait and are not lost.

    Args:
        name: the agent's unique name (1-64 letters, digits, ``_``, ``-``, ``.``; case-insensitive).
        agent_type: the agent's type, e.g. ``"llm"`` or ``"tool"``.
        server_url: the server's base URL (``http://`` or ``https://``).
        capabilities: what the agent can do; sent on every (re)connect, replacing the stored list.
        metadata: a JSON object describing the agent; sent on every (re)connect.
        token: the agent's token. Without it the token file is used, and without a token file the
            agent is registered and its new token saved there.
        token_file: where the token is kept; default ``~/.agent_sdk/tokens/<host>_<port>/<name>.token``
            (``AGENT_SDK_TOKEN_DIR`` replaces ``~/.agent_sdk/tokens``). Written with mode 0600.
        heartbeat_interval: seconds between heartbeats while connected.
        request_timeout: seconds to wait for a reply, or for a reconnection in progress before sending.
        reconnect_initial_delay: the backoff delay after the first failed reconnection attempt.
        reconnect_max_delay: the longest backoff delay.
        write_attempts: how many times a write (a send, a task or memory change, a channel join) is tried in
            all while it gets no answer (the connection dropped, the server restarted, a 5xx). Every attempt
            carries the same idempotency key, so the server carries it out once; after the last the call
            raises :class:`WriteNotConfirmedError`. ``1`` turns retries off.
        write_retry_initial_delay: seconds before the first retry of a write; doubled (with jitter) each time.
        write_retry_max_delay: the longest wait between two attempts of a write.
        ack_delay: how long processed sequences are gathered before one ``inbox:ack`` is sent.
        max_frame_bytes: the server's frame limit; a larger request raises :class:`TooLargeError`
            instead of getting the connection closed.
        transport: how the agent reaches the server. ``"websocket"`` (default): one WebSocket carries
            requests and events. For an agent that cannot keep a WebSocket, ``"sse"``: events come as
            Server-Sent Events from ``GET /api/events``, resumed after the processed seq with
            ``Last-Event-ID``, and requests go over REST; ``"poll"``: the same with the long poll
            ``GET /api/events/poll``, for networks that hold streamed responses back. Over plain HTTP only
            the inbox's events arrive (``message:received``, ``task:assigned``, ``task:updated``): memory
            watches and presence events need the WebSocket.
    """

    def __init__(
        self,
        name: str,
        agent_type: str = "llm",
        server_url: str = "http://localhost:5000",
        *,
        capabilities: Optional[Sequence[str]] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        token: Optional[str] = None,
        token_file: Optional[Union[str, Path]] = None,
        heartbeat_interval: float = 15.0,
        request_timeout: float = 30.0,
        reconnect_initial_delay: float = 0.5,
        reconnect_max_delay: float = 30.0,
        ack_delay: float = 0.05,
        max_frame_bytes: int = 1024 * 1024,
        transport: Literal["websocket", "sse", "poll"] = "websocket",
        write_attempts: int = 8,
        write_retry_initial_delay: float = 0.25,
        write_retry_max_delay: float = 5.0,
    ) -> None:
        if not name:
            raise ValueError("name is required")
        if write_attempts < 1:
            raise ValueError("write_attempts must be at least 1")
        if transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {', '.join(TRANSPORTS)}, not {transport!r}")
        http_url = _http_url(server_url.rstrip("/"))
        self._session = Session(
            SessionConfig(
                name=name,
                agent_type=agent_type,
                capabilities=list(capabilities or []),
                metadata=dict(metadata or {}),
                http_url=http_url,
                ws_url=_ws_url(http_url),
                token_file=Path(token_file).expanduser() if token_file else _tokens.default_token_path(http_url, name),
                heartbeat_interval=heartbeat_interval,
                request_timeout=request_timeout,
                reconnect_initial_delay=reconnect_initial_delay,
                reconnect_max_delay=reconnect_max_delay,
                ack_delay=ack_delay,
                max_frame_bytes=max_frame_bytes,
                user_agent=f"agent_sdk-python/{__version__}",
                transport=transport,
                write_attempts=write_attempts,
                write_retry_initial_delay=write_retry_initial_delay,
                write_retry_max_delay=write_retry_max_delay,
            ),
            token,
        )
        self._session.owner = self
        self._session.exclusive = self._skill_router_for
        self._skills: Dict[str, Handler] = {}

    def __repr__(self) -> str:
        state = "connected" if self.connected else "not connected"
        return f"<AgentClient {self.name!r} {self.server_url} {state}>"

    # ------------------------------------------------------------------ properties

    @property
    def name(self) -> str:
        """The agent's name as given."""
        return self._session.config.name

    @property
    def server_url(self) -> str:
        """The server's base URL."""
        return self._session.config.http_url

    @property
    def transport(self) -> str:
        """``"websocket"``, ``"sse"`` or ``"poll"``: how events reach the agent (see the class)."""
        return self._session.config.transport

    @property
    def token_file(self) -> Path:
        """Where the token is read from and saved to."""
        return self._session.config.token_file

    @property
    def token(self) -> Optional[str]:
        """The agent's bearer token (known after :meth:`connect`, or when given or saved)."""
        return self._session.token

    @property
    def info(self) -> Optional[Agent]:
        """The agent as the server last described it (from connect, heartbeats and :meth:`set_status`)."""
        return self._session.info

    @property
    def inbox(self) -> Optional[InboxPosition]:
        """The inbox position from the last registration or acknowledgement."""
        return self._session.inbox

    @property
    def connected(self) -> bool:
        """True while a registered connection is open (the WebSocket, or the event stream or poll)."""
        return self._session.connected

    @property
    def connection_count(self) -> int:
        """How many connections were established: 1 after connect, one more per reconnection."""
        return self._session.connection_count

    @property
    def processed_seq(self) -> Optional[int]:
        """The highest inbox sequence whose handlers have finished (``None`` before connect)."""
        return self._session.processed_seq

    @property
    def received_seq(self) -> Optional[int]:
        """The highest inbox sequence received from the server, processed or not."""
        return self._session.received_seq

    @property
    def acked_seq(self) -> int:
        """The highest inbox sequence acknowledged to the server."""
        return self._session.acked_seq

    # ------------------------------------------------------------------ lifecycle

    async def connect(self) -> Agent:
        """Opens the connection and registers (first run) or authenticates (with the token).

        Returns the agent's record. Raises :class:`ConflictError` when the name belongs to another agent
        (and no valid token is known), :class:`AuthenticationError` for a rejected ``token=``, and
        :class:`AgentConnectionError` when the server cannot be reached. Does nothing when connected.
        """
        return await self._session.connect()

    async def run_forever(self) -> None:
        """Connects if needed, starts dispatching events, and runs until :meth:`stop` or :meth:`close`
        (or until cancelled, e.g. by Ctrl+C under ``asyncio.run``); then closes the client.

        Raises the error that ended the client, e.g. :class:`AuthenticationError` when the server no
        longer accepts the token on a reconnection.
        """
        try:
            await self._session.connect()
            await self._session.run_until_stopped()
        finally:
            await self._session.close()

    def stop(self) -> None:
        """Makes :meth:`run_forever` return (closing the client). Safe to call from a handler."""
        self._session.stop()

    async def close(self) -> None:
        """Stops dispatching, acknowledges what was processed, and closes the connection.

        Safe to call more than once and from inside a handler (the event being handled then counts as
        processed). Events received but not processed yet are delivered again on the next connect.
        """
        await self._session.close()

    async def __aenter__(self) -> "AgentClient":
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    # ------------------------------------------------------------------ handlers

    def on(self, event: str) -> Callable[[H], H]:
        """Registers a handler for a pushed event by name, e.g. ``@agent.on("task:updated")``.

        Known events get their model (:class:`Message`, :class:`Task`, ...), others the raw data.
        """

        def register(handler: H) -> H:
            self._session.add_handler(event, handler)
            return handler

        return register

    def on_message(self, handler: H) -> H:
        """``message:received``: the handler gets a :class:`Message` (direct, channel or task thread)."""
        self._session.add_handler(MESSAGE_RECEIVED, handler)
        return handler

    def on_task_assigned(self, handler: H) -> H:
        """``task:assigned``: a task was assigned to this agent; the handler gets a :class:`Task`.

        The SDK never completes a task by itself, not even when the handler raises: call
        :meth:`complete_task`, or :meth:`update_task` with ``status="failed"``.
        """
        self._session.add_handler(TASK_ASSIGNED, handler)
        return handler

    def on_task_updated(self, handler: H) -> H:
        """``task:updated``: a task this agent created, or was assigned before the change, changed
        (someone else's move); the handler gets a :class:`Task`."""
        self._session.add_handler(TASK_UPDATED, handler)
        return handler

    def on_task_lease_lost(self, handler: H) -> H:
        """``task:lease_lost``: someone else ended this agent's assignment of a task (its lease ran out, it was
        taken back, handed to another agent, cancelled, or closed by the operator); the handler gets a
        :class:`TaskLeaseLost`. Stop working on the task: completing it under that assignment is refused with
        :class:`LeaseLostError`."""
        self._session.add_handler(TASK_LEASE_LOST, handler)
        return handler

    def on_task_input_required(self, handler: H) -> H:
        """``task:input_required``: the assignee of a task this agent created asks a question
        (:attr:`Task.question`); answer with :meth:`provide_input`. The handler gets a :class:`Task`."""
        self._session.add_handler(TASK_INPUT_REQUIRED, handler)
        return handler

    def on_task_input_provided(self, handler: H) -> H:
        """``task:input_provided``: the answer to this agent's question (:attr:`Task.answer`); the task is
        ``in_progress`` again. The handler gets a :class:`Task`."""
        self._session.add_handler(TASK_INPUT_PROVIDED, handler)
        return handler

    def on_task_awaiting_approval(self, handler: H) -> H:
        """``task:awaiting_approval``: a task this agent created was completed and waits for
        :meth:`approve_task` or :meth:`send_back_task`. The handler gets a :class:`Task`."""
        self._session.add_handler(TASK_AWAITING_APPROVAL, handler)
        return handler

    def on_task_approved(self, handler: H) -> H:
        """``task:approved``: this agent's work was approved; the task is completed. Gets a :class:`Task`."""
        self._session.add_handler(TASK_APPROVED, handler)
        return handler

    def on_task_sent_back(self, handler: H) -> H:
        """``task:sent_back``: this agent's work was sent back (``task.review["comment"]`` says why); the task
        is ``in_progress`` again. The handler gets a :class:`Task`."""
        self._session.add_handler(TASK_SENT_BACK, handler)
        return handler

    def on_memory_updated(self, handler: H) -> H:
        """``memory:updated`` for keys watched with :meth:`watch_memory`; gets a :class:`MemoryUpdate`.
        WebSocket only (``RuntimeError`` on an HTTP transport)."""
        self._session.add_handler(MEMORY_UPDATED, handler)
        return handler

    def on_agent_joined(self, handler: H) -> H:
        """``agent:joined``: another agent came online; the handler gets its :class:`Agent`.
        WebSocket only (``RuntimeError`` on an HTTP transport)."""
        self._session.add_handler(AGENT_JOINED, handler)
        return handler

    def on_agent_left(self, handler: H) -> H:
        """``agent:left``: another agent went offline; the handler gets its :class:`Agent`.
        WebSocket only (``RuntimeError`` on an HTTP transport)."""
        self._session.add_handler(AGENT_LEFT, handler)
        return handler

    # ------------------------------------------------------------------ skills and middleware

    def skill(self, capability: str) -> Callable[[H], H]:
        """Registers a skill: the agent advertises ``capability`` and runs the handler for every task
        assigned to it that requires it (``requirements={"capabilities": [capability, ...]}``)::

            @agent.skill("summarize")
            async def summarize(task: Task) -> dict:
                return {"summary": (await llm(task.description))[:500]}

        The SDK runs the task's life for the skill: it moves the task to ``in_progress``, calls the
        handler, and completes the task with what the handler returns (``None`` keeps the previous
        result), or marks it ``failed`` with ``{"error": ...}`` when the handler raises. A task taken back
        or cancelled meanwhile is left alone. A task a skill takes goes to that skill only; tasks that
        need no skill of this agent go to the ``on_task_assigned`` handlers as before. Register skills
        before :meth:`connect`: the capability is sent when the agent registers.
        """
        if not capability or not isinstance(capability, str):
            raise ValueError("a skill needs a capability name")
        if self._session._started:  # noqa: SLF001 - the session is this client's own engine
            raise RuntimeError("register skills before connect(): capabilities are sent when the agent registers")
        if capability in self._skills:
            raise ValueError(f"the skill {capability!r} is already registered")

        def register(handler: H) -> H:
            if not callable(handler):
                raise TypeError("a skill must be callable")
            if not self._skills:
                self._session.add_handler(TASK_ASSIGNED, self._run_skill)
            self._skills[capability] = handler
            if capability not in self._session.config.capabilities:
                self._session.config.capabilities.append(capability)
            return handler

        return register

    @property
    def skills(self) -> List[str]:
        """The capabilities this agent has skills for, in registration order."""
        return list(self._skills)

    def use(self, middleware: Middleware) -> Middleware:
        """Adds handler middleware: ``async def middleware(context, call_next)`` runs around every handler
        call (``on_*`` handlers and skills), in the order added, the first outermost. ``context`` is a
        :class:`HandlerContext`; ``await call_next()`` runs the handler and returns its result::

            @agent.use
            async def timing(context, call_next):
                started = time.monotonic()
                try:
                    return await call_next()
                finally:
                    log.info("%s %s took %.3f s", context.event, context.skill or context.handler,
                             time.monotonic() - started)
        """
        if not callable(middleware):
            raise TypeError("middleware must be callable")
        self._session.middleware.append(middleware)
        return middleware

    def _skill_for(self, task: Any) -> Optional[str]:
        required = (getattr(task, "requirements", None) or {}).get("capabilities") or []
        return next((name for name in self._skills if name in required), None)

    def _skill_router_for(self, event: str, payload: Any) -> Optional[Handler]:
        return self._run_skill if event == TASK_ASSIGNED and self._skill_for(payload) is not None else None

    async def _run_skill(self, task: Task) -> None:
        capability = self._skill_for(task)
        if capability is None:
            return
        handler = self._skills[capability]
        context = HandlerContext(TASK_ASSIGNED, self._session.current_seq, task, _handler_name(handler),
                                 skill=capability, agent=self)
        try:
            await self.update_task(task.id, status="in_progress")
        except ConflictError:
            logger.info("skill %s: task %s is no longer this agent's to start", capability, task.id)
            return
        try:
            result = await self._session.invoke(context, handler, task)
        except AgentConnectionError:
            raise  # the session delivers the task again after the reconnection
        except Exception as error:  # noqa: BLE001 - a failing skill fails its task, not the agent
            logger.exception("skill %s failed on task %s", capability, task.id)
            await self._end_task(task.id, capability, status="failed", result={"error": f"{type(error).__name__}: {error}"})
            return
        await self._end_task(task.id, capability, status="completed", result=UNSET if result is None else result)

    async def _end_task(self, task_id: str, capability: str, *, status: str, result: Any) -> None:
        try:
            if status == "completed":
                await self.complete_task(task_id, result)
            else:
                await self.update_task(task_id, status=status, result=result)
        except (ConflictError, AgentChannelError) as error:
            if isinstance(error, AgentConnectionError):
                raise
            logger.warning("skill %s: could not mark task %s %s: %s", capability, task_id, status, error.message)

    # ------------------------------------------------------------------ messages

    async def send_message(
        self,
        content: str,
        recipients: Optional[Union[str, Sequence[str]]] = None,
        *,
        channel: Optional[str] = None,
        task_id: Optional[str] = None,
        message_type: Optional[str] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        to_capability: Optional[str] = None,
        mode: Optional[Literal["any", "all"]] = None,
        artifacts: Optional[Sequence[str]] = None,
    ) -> Message:
        """Sends a message to agents (``recipients``), to a ``channel``, to a capability (``to_capability``),
        or into a task's thread (``task_id`` alone reaches the task's creator and assignee). ``task_id`` with
        one of the others tags the message with the task. Returns the stored message.

        ``to_capability`` with ``mode="any"`` (the default) reaches one online agent that has the capability,
        the least loaded as the task engine ranks them; ``mode="all"`` reaches every agent that has it, online
        or not. The returned message's ``recipients`` name the agents it reached.

        ``artifacts``: ids of artifacts this agent may read (:meth:`upload_artifact`); whoever may read the
        message may then download them."""
        data: Dict[str, Any] = {"content": content}
        if recipients is not None:
            data["recipients"] = [recipients] if isinstance(recipients, str) else list(recipients)
        _put(data, "channel", channel)
        _put(data, "to_capability", to_capability)
        _put(data, "mode", mode)
        _put(data, "task_id", task_id)
        _put(data, "message_type", message_type)
        _put(data, "metadata", metadata)
        if artifacts:
            data["artifacts"] = list(artifacts)
        return Message.from_dict(await self._session.request("message:send", data))

    async def get_messages(
        self,
        *,
        sender: Optional[str] = None,
        recipient: Optional[str] = None,
        channel: Optional[str] = None,
        task_id: Optional[str] = None,
        since: Optional[Union[datetime, str]] = None,
        before: Optional[Union[datetime, str]] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        order: Optional[str] = None,
    ) -> Page[Message]:
        """Message history (REST ``GET /api/messages``), newest first unless ``order="asc"``: only what this agent may
        read (sent, received, posted to a channel while it was a member, in the thread of a task it created or was
        assigned)."""
        body = await self._session.rest(
            "GET",
            "/api/messages",
            params={
                "sender": sender,
                "recipient": recipient,
                "channel": channel,
                "task_id": task_id,
                "since": since,
                "before": before,
                "limit": limit,
                "cursor": cursor,
                "order": order,
            },
        )
        return _page(body, Message.from_dict)

    async def search_messages(
        self,
        q: str,
        *,
        sender: Optional[str] = None,
        recipient: Optional[str] = None,
        channel: Optional[str] = None,
        task_id: Optional[str] = None,
        since: Optional[Union[datetime, str]] = None,
        before: Optional[Union[datetime, str]] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Page[MessageHit]:
        """Full-text search of this agent's history (REST ``GET /api/messages?q=``), most relevant first: messages
        holding every word of ``q`` (a word ending in ``*`` is a prefix; punctuation only separates words), with the
        filters of ``get_messages``. A ``q`` without any word raises ``InvalidRequestError``."""
        body = await self._session.rest(
            "GET",
            "/api/messages",
            params={
                "q": q,
                "sender": sender,
                "recipient": recipient,
                "channel": channel,
                "task_id": task_id,
                "since": since,
                "before": before,
                "limit": limit,
                "cursor": cursor,
            },
        )
        return _page(body, MessageHit.from_dict)

    async def get_message(self, message_id: str) -> Message:
        """One message by id (REST)."""
        return Message.from_dict(await self._session.rest("GET", f"/api/messages/{path_segment(message_id)}"))

    # ------------------------------------------------------------------ tasks

    async def create_task(
        self,
        title: str,
        description: Optional[str] = None,
        *,
        priority: Optional[int] = None,
        due_date: Optional[Union[datetime, str]] = None,
        requirements: Optional[Mapping[str, Any]] = None,
        assign_to: Optional[str] = None,
        depends_on: Optional[Sequence[str]] = None,
        requires_approval: bool = False,
    ) -> Task:
        """Creates a task (this agent is its creator); ``assign_to`` assigns it at once, otherwise the
        server's engine gives it to a capable online agent (``requirements={"capabilities": [...]}``).
        ``priority`` runs from 1 (most urgent) to 5 (default 3). With ``depends_on`` (task ids) the task
        stays ``blocked`` until those are completed. With ``requires_approval=True`` the assignee's completion
        waits (``awaiting_approval``) until this agent (or the operator) approves it or sends it back."""
        data: Dict[str, Any] = {"title": title}
        _put(data, "description", description)
        _put(data, "priority", priority)
        _put(data, "due_date", due_date)
        _put(data, "requirements", requirements)
        _put(data, "assign_to", assign_to)
        if depends_on is not None:
            data["depends_on"] = list(depends_on)
        if requires_approval:
            data["requires_approval"] = True
        return self._held(await self._session.request("task:create", data))

    async def claim_task(self) -> Optional[Task]:
        """Takes the most urgent waiting task this agent is capable of, atomically; ``None`` when nothing
        suitable is waiting. Raises ``ConflictError`` when the agent already holds its limit of tasks."""
        ack = await self._session.request("task:claim", {})
        task = ack.get("task") if isinstance(ack, dict) else None
        return self._held(task) if isinstance(task, dict) else None

    async def assign_task(self, task_id: str, agent: str) -> Task:
        """Assigns (or hands on) a task to a registered agent."""
        return self._held(await self._session.request("task:assign", {"task_id": task_id, "agent": agent}))

    def held_assignment(self, task_id: str) -> Optional[str]:
        """The assignment id this client sends with its completions and updates of ``task_id``: the one it got
        the task under (``task:assigned``, a claim). ``None`` when it does not hold the task, or got it before
        this client started (those calls go unfenced)."""
        return self._session.assignments.get(task_id)

    async def update_task(
        self,
        task_id: str,
        *,
        status: Optional[Union[TaskStatus, str]] = None,
        result: Any = UNSET,
        title: Optional[str] = None,
        description: Optional[str] = None,
        priority: Optional[int] = None,
        due_date: Optional[Union[datetime, str]] = None,
        requirements: Optional[Mapping[str, Any]] = None,
        assignment_id: Optional[str] = None,
        artifacts: Optional[Sequence[str]] = None,
    ) -> Task:
        """Changes a task; only the given fields change.

        The assignee reports progress with ``status="in_progress"`` and, while the task is open, a
        partial ``result`` (any JSON), and ends it with ``"completed"`` or ``"failed"``. The creator may
        edit ``title``, ``description``, ``priority``, ``due_date`` and ``requirements``, or cancel it
        with ``status="cancelled"``.

        An update that does only an assignee's work (status, result; not ``cancelled``) carries the
        assignment this agent got the task under by itself (:meth:`held_assignment`), unless
        ``assignment_id`` is given: once that assignment is over it raises :class:`LeaseLostError` and
        changes nothing. ``artifacts`` (the assignee's, like a result) are attached to the task's result.
        """
        data: Dict[str, Any] = {"task_id": task_id}
        _put(data, "status", status)
        if artifacts:
            data["artifacts"] = list(artifacts)
        if result is not UNSET:
            data["result"] = result
        _put(data, "title", title)
        _put(data, "description", description)
        _put(data, "priority", priority)
        _put(data, "due_date", due_date)
        _put(data, "requirements", requirements)
        edits = any(key in data for key in ("title", "description", "priority", "due_date", "requirements"))
        if assignment_id is None and not edits and status != TaskStatus.CANCELLED:
            assignment_id = self.held_assignment(task_id)  # the creator's edits and cancels are not fenced
        _put(data, "assignment_id", assignment_id)
        updated = Task.from_dict(await self._session.request("task:update", data))
        if data.get("assignment_id") and updated.assignment_id != data["assignment_id"]:
            self._session.forget_assignment(task_id, data["assignment_id"])  # this agent closed it
        return updated

    async def complete_task(
        self, task_id: str, result: Any = UNSET, *, assignment_id: Optional[str] = None, artifacts: Optional[Sequence[str]] = None
    ) -> Task:
        """Completes a task assigned to this agent with a ``result`` (any JSON value); without a result
        the previous one is kept.

        For a task this agent received (``task:assigned``, a claim) the call carries that assignment's id by
        itself (``assignment_id`` overrides it): if the assignment is over (the lease ran out, the task was
        taken back, handed on or closed), it raises :class:`LeaseLostError` and changes nothing, even when
        the task has come back to this agent under a new assignment. ``artifacts``: ids of artifacts attached to the
        result, which the task's creator (and anyone ever assigned it) may then download."""
        data: Dict[str, Any] = {"task_id": task_id}
        if result is not UNSET:
            data["result"] = result
        if artifacts:
            data["artifacts"] = list(artifacts)
        _put(data, "assignment_id", assignment_id or self.held_assignment(task_id))
        completed = Task.from_dict(await self._session.request("task:complete", data))
        if completed.assignment_id != data.get("assignment_id"):
            # Closed. A completion awaiting approval keeps the assignment: the task may be sent back.
            self._session.forget_assignment(task_id, data.get("assignment_id"))
        return completed

    async def request_input(self, task_id: str, question: str, *, assignment_id: Optional[str] = None) -> Task:
        """Asks the creator of a task this agent holds a question: the task is ``input_required`` (its lease
        paused) until the creator or the operator answers; the answer arrives as ``task:input_provided``
        (:meth:`on_task_input_provided`). Fenced like :meth:`complete_task`."""
        data: Dict[str, Any] = {"task_id": task_id, "question": question}
        _put(data, "assignment_id", assignment_id or self.held_assignment(task_id))
        return Task.from_dict(await self._session.request("task:request_input", data))

    async def provide_input(self, task_id: str, answer: str) -> Task:
        """Answers the question of a task this agent created (``input_required``); its assignee continues."""
        return Task.from_dict(await self._session.request("task:provide_input", {"task_id": task_id, "answer": answer}))

    async def approve_task(self, task_id: str, comment: Optional[str] = None) -> Task:
        """Approves a task this agent created that is ``awaiting_approval``: it is completed, dependents go ahead."""
        data: Dict[str, Any] = {"task_id": task_id}
        _put(data, "comment", comment)
        return Task.from_dict(await self._session.request("task:approve", data))

    async def send_back_task(self, task_id: str, comment: str) -> Task:
        """Sends a task this agent created that is ``awaiting_approval`` back to its assignee, saying what to change."""
        return Task.from_dict(await self._session.request("task:send_back", {"task_id": task_id, "comment": comment}))

    async def get_task(self, task_id: str) -> Task:
        """One task by id (REST)."""
        return Task.from_dict(await self._session.rest("GET", f"/api/tasks/{path_segment(task_id)}"))

    async def list_tasks(
        self,
        *,
        status: Optional[Union[TaskStatus, str]] = None,
        assignee: Optional[str] = None,
        creator: Optional[str] = None,
        priority: Optional[int] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Page[Task]:
        """Tasks, newest first (REST ``GET /api/tasks``)."""
        body = await self._session.rest(
            "GET",
            "/api/tasks",
            params={
                "status": status,
                "assignee": assignee,
                "creator": creator,
                "priority": priority,
                "limit": limit,
                "cursor": cursor,
            },
        )
        return _page(body, Task.from_dict)

    # ------------------------------------------------------------------ memory

    async def set_memory(
        self,
        key: str,
        value: Any,
        *,
        access_control: Optional[Union[AccessControl, Mapping[str, Sequence[str]]]] = None,
        expected_version: Optional[int] = None,
    ) -> MemoryEntry:
        """Creates or replaces a memory key with any JSON value except ``None``.

        ``access_control`` (``{"read": [...], "write": [...]}``, names or ``"*"``) may only be changed
        by the key's creator. ``expected_version`` makes the write a compare-and-set (``0``: only if the
        key does not exist); a stale version raises :class:`ConflictError` with ``current_version``.
        """
        if value is None:
            raise InvalidRequestError("A memory value cannot be None (null); use delete_memory.", field="value")
        data: Dict[str, Any] = {"key": key, "value": value}
        if access_control is not None:
            data["access_control"] = (
                access_control.to_dict()
                if isinstance(access_control, AccessControl)
                else {k: list(v) for k, v in access_control.items()}
            )
        _put(data, "expected_version", expected_version)
        return MemoryEntry.from_dict(await self._session.request("memory:set", data))

    async def get_memory(self, key: str) -> MemoryEntry:
        """Reads a memory key (``entry.value``, ``entry.version``); raises :class:`NotFoundError`."""
        return MemoryEntry.from_dict(await self._session.request("memory:get", {"key": key}))

    async def delete_memory(self, key: str, *, expected_version: Optional[int] = None) -> None:
        """Deletes a memory key (REST); ``expected_version`` makes it conditional."""
        await self._session.rest(
            "DELETE", f"/api/memory/{memory_path(key)}", write=True, params={"expected_version": expected_version}
        )

    async def list_memory(
        self, prefix: Optional[str] = None, *, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> Page[MemoryKey]:
        """The keys this agent may read, in key order, without values (REST)."""
        body = await self._session.rest("GET", "/api/memory", params={"prefix": prefix, "limit": limit, "cursor": cursor})
        return _page(body, MemoryKey.from_dict)

    async def search_memory(
        self, q: str, *, prefix: Optional[str] = None, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> Page[MemoryHit]:
        """Full-text search over the keys and JSON values this agent may read (REST ``GET /api/memory?q=``), most
        relevant first; words as in ``search_messages``."""
        body = await self._session.rest(
            "GET", "/api/memory", params={"q": q, "prefix": prefix, "limit": limit, "cursor": cursor}
        )
        return _page(body, MemoryHit.from_dict)

    async def watch_memory(self, key: Optional[str] = None, *, prefix: Optional[str] = None) -> Watching:
        """Asks for ``memory:updated`` events for one ``key`` or every key under a ``prefix``.

        Watches belong to the connection; the client sends them again after every reconnection, asking for
        snapshots, so a key changed meanwhile arrives as a ``MemoryUpdate`` with ``snapshot`` set.
        Updates made while disconnected are not replayed: re-read keys that matter after a reconnect.
        WebSocket only: on an HTTP transport this raises ``RuntimeError``.
        """
        self._session.require_websocket("memory watches")
        data = _watch_data(key, prefix)
        watching = Watching.from_dict(await self._session.request("memory:watch", data))
        self._watches(key).add(key if key is not None else prefix)  # type: ignore[arg-type]
        return watching

    async def unwatch_memory(self, key: Optional[str] = None, *, prefix: Optional[str] = None) -> Watching:
        """Stops a watch started with :meth:`watch_memory`."""
        self._session.require_websocket("memory watches")
        data = _watch_data(key, prefix)
        self._watches(key).discard(key if key is not None else prefix)  # type: ignore[arg-type]
        return Watching.from_dict(await self._session.request("memory:unwatch", data))

    # ------------------------------------------------------------------ channels

    async def join_channel(self, channel: str) -> Channel:
        """Joins a channel (creating it on first use); its messages arrive as ``message:received``."""
        return Channel.from_dict(await self._session.request("channel:join", {"channel": channel}))

    async def leave_channel(self, channel: str) -> Channel:
        """Leaves a channel."""
        return Channel.from_dict(await self._session.request("channel:leave", {"channel": channel}))

    async def list_channels(self) -> List[Channel]:
        """All channels with their member counts (REST)."""
        body = await self._session.rest("GET", "/api/channels")
        return [Channel.from_dict(item) for item in _items(body)]

    async def get_channel(self, channel: str) -> Channel:
        """One channel with its members (REST)."""
        return Channel.from_dict(await self._session.rest("GET", f"/api/channels/{path_segment(channel)}"))

    # ------------------------------------------------------------------ agents

    async def list_agents(
        self,
        *,
        status: Optional[Union[AgentStatus, str]] = None,
        agent_type: Optional[str] = None,
        capability: Optional[str] = None,
    ) -> List[Agent]:
        """Registered agents by name, with ``active_task_count`` (REST ``GET /api/agents``)."""
        body = await self._session.rest(
            "GET", "/api/agents", params={"status": status, "type": agent_type, "capability": capability}
        )
        return [Agent.from_dict(item) for item in _items(body)]

    async def get_agent(self, name_or_id: str) -> Agent:
        """One agent by name or id (REST)."""
        return Agent.from_dict(await self._session.rest("GET", f"/api/agents/{path_segment(name_or_id)}"))

    async def rotate_token(self) -> str:
        """Replaces this agent's token and returns the new one (also kept in :attr:`token` and saved to
        :attr:`token_file`). The old token stops at once everywhere, and the agent's other live connections are
        closed with a ``session:revoked`` event; over the WebSocket this connection stays open (``agent:rotate_token``),
        over ``sse``/``poll`` it is re-established with the new token (REST ``POST /api/agents/{id}/token``)."""
        self._session.rotations_in_flight += 1
        try:
            data = await self._session.request("agent:rotate_token", {})
            token = str(data["token"])
            self._session.adopt_token(token)
        finally:
            self._session.rotations_in_flight -= 1
        return token

    async def retire(self) -> None:
        """Retires this agent (REST ``DELETE /api/agents/{id}``) and closes the client: it leaves listings and
        assignment, its tasks go back to the queue, its token stops and messages to it are refused with
        :class:`GoneError`. Its history stays; only the operator can register the name again."""
        await self._session.rest("DELETE", f"/api/agents/{path_segment(self.name)}")
        await self.close()

    async def set_status(self, status: Union[AgentStatus, str]) -> Agent:
        """Sets this agent's presence: ``online`` or ``busy`` (as a heartbeat), or ``offline`` (REST). Note
        that the server brings a connected agent back online by itself."""
        value = status.value if isinstance(status, AgentStatus) else str(status)
        if value == AgentStatus.OFFLINE.value:
            data = await self._session.rest("PUT", f"/api/agents/{path_segment(self.name)}/status", json={"status": value})
        else:
            data = await self._session.request("agent:heartbeat", {"status": value})
        self._session.info = Agent.from_dict(data)
        return self._session.info

    def _held(self, data: Any) -> Task:
        """A task one of this agent's own calls returned; remembered for fencing when it is now this agent's."""
        self._session.learn_assignment(data)
        return Task.from_dict(data)

    def _watches(self, key: Optional[str]) -> "set[str]":
        return self._session.watched_keys if key is not None else self._session.watched_prefixes


# ---------------------------------------------------------------------- helpers


# The router calls each skill through the middleware itself (naming the skill), so dispatch does not wrap it.
AgentClient._run_skill._agent_sdk_routes_skills = True  # type: ignore[attr-defined]  # noqa: SLF001


def _handler_name(handler: Handler) -> str:
    return getattr(handler, "__qualname__", None) or repr(handler)


def _put(data: Dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        data[key] = value


def _watch_data(key: Optional[str], prefix: Optional[str]) -> Dict[str, str]:
    if (key is None) == (prefix is None):
        raise InvalidRequestError("Give exactly one of key or prefix.", field="key")
    return {"key": key} if key is not None else {"prefix": prefix}  # type: ignore[dict-item]


def _items(body: Any) -> List[Mapping[str, Any]]:
    items = body.get("items") if isinstance(body, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _page(body: Any, parse: Callable[[Mapping[str, Any]], Any]) -> Page[Any]:
    cursor = body.get("next_cursor") if isinstance(body, dict) else None
    return Page([parse(item) for item in _items(body)], cursor)
