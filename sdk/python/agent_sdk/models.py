"""The server's records as dataclasses.

Every model is built with ``Model.from_dict(data)`` from the server's snake_case JSON: timestamps become
timezone-aware :class:`datetime.datetime` objects, fields the SDK does not know are ignored (and kept in
``raw``), and free-form JSON (``metadata``, ``requirements``, ``result``, memory ``value``) is returned as
the plain Python value the server stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Dict, Generic, Iterator, List, Mapping, Optional, TypeVar

__all__ = [
    "AgentStatus",
    "TaskStatus",
    "Agent",
    "Message",
    "TaskAssignment",
    "Task",
    "TaskLeaseLost",
    "AccessControl",
    "MemoryEntry",
    "MemoryKey",
    "MemoryUpdate",
    "Channel",
    "InboxPosition",
    "Watching",
    "Page",
    "parse_datetime",
]

T = TypeVar("T")


class AgentStatus(str, Enum):
    """An agent's presence. Members compare equal to the wire strings (``AgentStatus.BUSY == "busy"``)."""

    ONLINE = "online"
    BUSY = "busy"
    OFFLINE = "offline"

    def __str__(self) -> str:
        return self.value


class TaskStatus(str, Enum):
    """A task's status. Members compare equal to the wire strings (``TaskStatus.COMPLETED == "completed"``)."""

    PENDING = "pending"
    BLOCKED = "blocked"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    #: The assignee asked the creator a question (:attr:`Task.input_request`); its lease is paused until answered.
    INPUT_REQUIRED = "input_required"
    #: The assignee completed a task that requires approval; the creator or the operator approves or sends it back.
    AWAITING_APPROVAL = "awaiting_approval"

    def __str__(self) -> str:
        return self.value


_FRACTION = re.compile(r"(\.\d+)")


def parse_datetime(value: Any) -> Optional[datetime]:
    """Parses the server's ISO 8601 timestamps (up to 7 fractional digits, ``Z`` or an offset).

    Returns ``None`` for ``None`` or an empty string; a value without an offset is taken as UTC.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    text = str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # .NET writes up to 7 fractional digits; older Pythons accept exactly 3 or 6.
    text = _FRACTION.sub(lambda m: (m.group(1) + "000000")[:7], text, count=1)
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _str(data: Mapping[str, Any], key: str, default: str = "") -> str:
    value = data.get(key)
    return default if value is None else str(value)


def _opt_str(data: Mapping[str, Any], key: str) -> Optional[str]:
    value = data.get(key)
    return None if value is None else str(value)


def _int(data: Mapping[str, Any], key: str, default: int = 0) -> int:
    value = data.get(key)
    return default if value is None else int(value)


def _list(data: Mapping[str, Any], key: str) -> List[str]:
    value = data.get(key)
    return [str(item) for item in value] if isinstance(value, list) else []


def _dict(data: Mapping[str, Any], key: str) -> Dict[str, Any]:
    value = data.get(key)
    return dict(value) if isinstance(value, dict) else {}


def _raw() -> Dict[str, Any]:
    return field(default_factory=dict, repr=False, compare=False)


@dataclass
class Agent:
    """An agent as everyone may see it (``AgentInfo``; listings add ``active_task_count``)."""

    id: str
    name: str
    type: str
    status: str
    capabilities: List[str] = field(default_factory=list)
    metadata: Dict[str, Any] = field(default_factory=dict)
    created_at: Optional[datetime] = None
    last_seen: Optional[datetime] = None
    #: Tasks ``assigned`` or ``in_progress`` for this agent; only set in :meth:`AgentClient.list_agents`.
    active_task_count: Optional[int] = None
    raw: Dict[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Agent":
        count = data.get("active_task_count")
        return cls(
            id=_str(data, "id"),
            name=_str(data, "name"),
            type=_str(data, "type"),
            status=_str(data, "status"),
            capabilities=_list(data, "capabilities"),
            metadata=_dict(data, "metadata"),
            created_at=parse_datetime(data.get("created_at")),
            last_seen=parse_datetime(data.get("last_seen")),
            active_task_count=None if count is None else int(count),
            raw=dict(data),
        )


@dataclass
class Message:
    """A stored message: direct (``recipients``), in a ``channel``, or in a task's thread (``task_id``).
    A message sent to a capability keeps its address in ``to_capability`` and ``mode`` (``"any"`` or
    ``"all"``); ``recipients`` are the agents it was resolved to when it was sent."""

    id: str
    sequence: int
    sender: str
    content: str
    recipients: List[str] = field(default_factory=list)
    channel: Optional[str] = None
    task_id: Optional[str] = None
    message_type: str = "text"
    metadata: Dict[str, Any] = field(default_factory=dict)
    created_at: Optional[datetime] = None
    to_capability: Optional[str] = None
    mode: Optional[str] = None
    #: Ids of the artifacts the message carries (:meth:`AgentClient.download_artifact` reads them).
    artifacts: List[str] = field(default_factory=list)
    raw: Dict[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Message":
        return cls(
            id=_str(data, "id"),
            sequence=_int(data, "sequence"),
            sender=_str(data, "sender"),
            content=_str(data, "content"),
            recipients=_list(data, "recipients"),
            channel=_opt_str(data, "channel"),
            task_id=_opt_str(data, "task_id"),
            message_type=_str(data, "message_type", "text"),
            metadata=_dict(data, "metadata"),
            created_at=parse_datetime(data.get("created_at")),
            to_capability=_opt_str(data, "to_capability"),
            mode=_opt_str(data, "mode"),
            artifacts=_list(data, "artifacts"),
            raw=dict(data),
        )


@dataclass
class TaskAssignment:
    """One agent's turn at a task."""

    id: str
    agent: str
    status: str
    assigned_at: Optional[datetime] = None
    completed_at: Optional[datetime] = None
    assigned_by: Optional[str] = None
    raw: Dict[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TaskAssignment":
        return cls(
            id=_str(data, "id"),
            agent=_str(data, "agent"),
            status=_str(data, "status"),
            assigned_at=parse_datetime(data.get("assigned_at")),
            completed_at=parse_datetime(data.get("completed_at")),
            assigned_by=_opt_str(data, "assigned_by"),
            raw=dict(data),
        )


@dataclass
class Task:
    """A task. ``priority`` runs from 1 (most urgent) to 5; ``result`` is any JSON value or ``None``."""

    id: str
    title: str
    status: str
    creator: str
    description: str = ""
    priority: int = 3
    assigned_to: Optional[str] = None
    created_at: Optional[datetime] = None
    updated_at: Optional[datetime] = None
    due_date: Optional[datetime] = None
    completed_at: Optional[datetime] = None
    requirements: Dict[str, Any] = field(default_factory=dict)
    result: Any = None
    assignments: List[TaskAssignment] = field(default_factory=list)
    depends_on: List[str] = field(default_factory=list)
    attempts: int = 0
    lease_expires_at: Optional[datetime] = None
    status_reason: Optional[str] = None
    overdue: bool = False
    #: The current assignment's id (``None`` when nobody holds the task): the assignee's fencing value, which
    #: :meth:`AgentClient.complete_task` and :meth:`AgentClient.update_task` send by themselves.
    assignment_id: Optional[str] = None
    #: Set at creation: the assignee's completion waits (``awaiting_approval``) for the creator's approval.
    requires_approval: bool = False
    #: The assignee's latest question: ``{"question", "asked_by", "asked_at", "answer", "answered_by", "answered_at"}``
    #: (``answer`` is ``None`` while the task is ``input_required``).
    input_request: Optional[Dict[str, Any]] = None
    #: The latest approval or send-back: ``{"decision": "approved" | "sent_back", "by", "at", "comment"}``.
    review: Optional[Dict[str, Any]] = None
    #: Ids of the artifacts attached to the task's result.
    artifacts: List[str] = field(default_factory=list)
    raw: Dict[str, Any] = _raw()

    @property
    def question(self) -> Optional[str]:
        """The open question while the task is ``input_required`` (else ``None``)."""
        return (self.input_request or {}).get("question") if self.status == TaskStatus.INPUT_REQUIRED else None

    @property
    def answer(self) -> Optional[str]:
        """The answer to the latest question, once given."""
        return (self.input_request or {}).get("answer")

    @property
    def is_closed(self) -> bool:
        """True once the task is ``completed``, ``failed`` or ``cancelled``."""
        return self.status in (TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Task":
        assignments = data.get("assignments")
        return cls(
            id=_str(data, "id"),
            title=_str(data, "title"),
            status=_str(data, "status"),
            creator=_str(data, "creator"),
            description=_str(data, "description"),
            priority=_int(data, "priority", 3),
            assigned_to=_opt_str(data, "assigned_to"),
            created_at=parse_datetime(data.get("created_at")),
            updated_at=parse_datetime(data.get("updated_at")),
            due_date=parse_datetime(data.get("due_date")),
            completed_at=parse_datetime(data.get("completed_at")),
            requirements=_dict(data, "requirements"),
            result=data.get("result"),
            assignments=[TaskAssignment.from_dict(a) for a in assignments if isinstance(a, dict)]
            if isinstance(assignments, list)
            else [],
            depends_on=[str(d) for d in data.get("depends_on") or []],
            attempts=_int(data, "attempts", 0),
            lease_expires_at=parse_datetime(data.get("lease_expires_at")),
            status_reason=_opt_str(data, "status_reason"),
            overdue=bool(data.get("overdue", False)),
            assignment_id=_opt_str(data, "assignment_id"),
            requires_approval=bool(data.get("requires_approval", False)),
            input_request=data.get("input_request") if isinstance(data.get("input_request"), dict) else None,
            review=data.get("review") if isinstance(data.get("review"), dict) else None,
            artifacts=_list(data, "artifacts"),
            raw=dict(data),
        )


@dataclass
class TaskLeaseLost:
    """The payload of ``task:lease_lost``: someone else ended this agent's assignment ``assignment_id`` of task
    ``task_id``. ``reason`` is ``lease_expired``, ``released`` (taken back, e.g. the agent went offline),
    ``reassigned``, ``cancelled``, ``completed`` or ``failed`` (the operator closed it); ``detail`` says it in words.
    Calls under that assignment are refused with :class:`~agent_sdk.LeaseLostError` from now on."""

    task_id: str
    assignment_id: str
    agent: str
    reason: str
    detail: str = ""
    lost_at: Optional[datetime] = None
    raw: Dict[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TaskLeaseLost":
        return cls(
            task_id=_str(data, "task_id"),
            assignment_id=_str(data, "assignment_id"),
            agent=_str(data, "agent"),
            reason=_str(data, "reason"),
            detail=_str(data, "detail"),
            lost_at=parse_datetime(data.get("lost_at")),
            raw=dict(data),
        )


@dataclass
class AccessControl:
    """Who may read and write a memory key: agent names, or ``"*"`` for everyone."""

    read: List[str] = field(default_factory=lambda: ["*"])
    write: List[str] = field(default_factory=lambda: ["*"])

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "AccessControl":
        return cls(read=_list(data, "read"), write=_list(data, "write"))

    def to_dict(self) -> Dict[str, List[str]]:
        return {"read": list(self.read), "write": list(self.write)}


@dataclass
class MemoryEntry:
    """A memory key with its value. ``version`` counts every write and delete (compare-and-set)."""

    key: str
    value: Any
    version: int
    created_by: str = ""
    updated_by: str = ""
    created_at: Optional[datetime] = None
    updated_at: Optional[datetime] = None
    access_control: AccessControl = field(default_factory=AccessControl)
    raw: Dict[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "MemoryEntry":
        acl = data.get("access_control")
        return cls(
            key=_str(data, "key"),
            value=data.get("value"),
            version=_int(data, "version"),
            created_by=_str(data, "created_by"),
            updated_by=_str(data, "updated_by"),
            created_at=parse_datetime(data.get("created_at")),
            updated_at=parse_datetime(data.get("updated_at")),
            access_control=AccessControl.from_dict(acl) if isinstance(acl, dict) else AccessControl(),
            raw=dict(data),
        )


@dataclass
class MemoryKey:
    """A memory key in a listing, without its value."""

    key: str
    version: int
    created_by: str = ""
    updated_by: str = ""
    updated_at: Optional[datetime] = None
    size_bytes: int = 0
    raw: Dict[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "MemoryKey":
        return cls(
            key=_str(data, "key"),
            version=_int(data, "version"),
            created_by=_str(data, "created_by"),
            updated_by=_str(data, "updated_by"),
            updated_at=parse_datetime(data.get("updated_at")),
            size_bytes=_int(data, "size_bytes"),
            raw=dict(data),
        )


@dataclass
class MessageHit:
    """A message found by ``search_messages``: ``rank`` orders the hits of one answer (higher is more relevant),
    ``snippet`` is an excerpt of the content with each matched word between ``**``."""

    message: Message
    rank: float = 0.0
    snippet: str = ""
    raw: Dict[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "MessageHit":
        return cls(
            message=Message.from_dict(data.get("message") or {}),
            rank=float(data.get("rank") or 0.0),
            snippet=_str(data, "snippet"),
            raw=dict(data),
        )


@dataclass
class MemoryHit:
    """A memory key found by ``search_memory`` (without its value; ``get_memory`` reads it): ``snippet`` is an excerpt
    of its JSON value, or of its key when only the key matched, each matched word between ``**``."""

    entry: MemoryKey
    rank: float = 0.0
    snippet: str = ""
    raw: Dict[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "MemoryHit":
        return cls(
            entry=MemoryKey.from_dict(data.get("entry") or {}),
            rank=float(data.get("rank") or 0.0),
            snippet=_str(data, "snippet"),
            raw=dict(data),
        )


@dataclass
class MemoryUpdate:
    """The payload of ``memory:updated``: a watched key was written (``value``) or ``deleted``.

    ``snapshot``: the key as it stands, not one change; sent after a reconnection (versions in between skipped).
    """

    key: str
    version: int
    updated_by: str
    updated_at: Optional[datetime] = None
    value: Any = None
    deleted: bool = False
    snapshot: bool = False
    raw: Dict[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "MemoryUpdate":
        return cls(
            key=_str(data, "key"),
            version=_int(data, "version"),
            updated_by=_str(data, "updated_by"),
            updated_at=parse_datetime(data.get("updated_at")),
            value=data.get("value"),
            deleted=bool(data.get("deleted", False)),
            snapshot=bool(data.get("snapshot", False)),
            raw=dict(data),
        )


@dataclass
class Channel:
    """A channel. ``members`` is set by join/leave/get; listings give ``member_count`` instead."""

    name: str
    members: List[str] = field(default_factory=list)
    member_count: int = 0
    message_sequence: int = 0
    created_at: Optional[datetime] = None
    raw: Dict[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Channel":
        members = _list(data, "members")
        return cls(
            name=_str(data, "name"),
            members=members,
            member_count=_int(data, "member_count", len(members)),
            message_sequence=_int(data, "message_sequence"),
            created_at=parse_datetime(data.get("created_at")),
            raw=dict(data),
        )


@dataclass
class InboxPosition:
    """Where the agent's durable inbox stands: the last sequence stored and the last acknowledged."""

    last_seq: int
    acked_seq: int

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "InboxPosition":
        return cls(last_seq=_int(data, "last_seq"), acked_seq=_int(data, "acked_seq"))


@dataclass
class Watching:
    """The memory keys and prefixes this connection watches."""

    keys: List[str] = field(default_factory=list)
    prefixes: List[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Watching":
        return cls(keys=_list(data, "keys"), prefixes=_list(data, "prefixes"))


@dataclass
class Page(Generic[T]):
    """One page of a paged list. Iterate it like a list; pass ``next_cursor`` back for the next page
    (``None`` means there are no more)."""

    items: List[T]
    next_cursor: Optional[str] = None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> T:
        return self.items[index]


@dataclass
class Artifact:
    """A stored file: attach it by ``id`` to a message or a task result. ``sha256`` (hex) and ``size`` are what the
    server read; whoever may read what it is attached to may download it."""

    id: str
    name: str
    content_type: str
    size: int
    sha256: str
    owner: str
    created_at: Optional[datetime] = None
    raw: Dict[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Artifact":
        return cls(
            id=_str(data, "id"),
            name=_str(data, "name"),
            content_type=_str(data, "content_type", "application/octet-stream"),
            size=_int(data, "size"),
            sha256=_str(data, "sha256"),
            owner=_str(data, "owner"),
            created_at=parse_datetime(data.get("created_at")),
            raw=dict(data),
        )
