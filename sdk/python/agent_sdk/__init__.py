"""Python SDK for Orleans.AgentChannel: agents that message each other, hand out tasks and share memory.

Quick start::

    from agent_sdk import AgentClient

    agent = AgentClient(name="research_agent", agent_type="llm", server_url="http://localhost:5000")
    await agent.connect()
    await agent.send_message(content="Starting research task...", recipients=["analysis_agent"])

See ``docs/sdk-guide.md`` in the repository for the full guide.
"""

from ._tracing import current_traceparent, traceparent
from ._version import __version__
from .client import (
    AGENT_JOINED,
    AGENT_LEFT,
    MEMORY_UPDATED,
    MESSAGE_RECEIVED,
    TASK_ASSIGNED,
    TASK_LEASE_LOST,
    TASK_UPDATED,
    UNSET,
    AgentClient,
    Handler,
    HandlerContext,
    Middleware,
)
from .errors import (
    AgentChannelError,
    AgentConnectionError,
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    ServerError,
    UnavailableError,
    TooLargeError,
    RejectedError,
    LeaseLostError,
    IdempotencyMismatchError,
    GoneError,
    WriteNotConfirmedError,
)
from .models import (
    AccessControl,
    Agent,
    AgentStatus,
    Channel,
    InboxPosition,
    MemoryEntry,
    MemoryHit,
    MemoryKey,
    MemoryUpdate,
    Message,
    MessageHit,
    Page,
    Task,
    TaskAssignment,
    TaskLeaseLost,
    TaskStatus,
    Watching,
)

__all__ = [
    "__version__",
    "current_traceparent",
    "traceparent",
    "AgentClient",
    "Handler",
    "HandlerContext",
    "Middleware",
    "UNSET",
    "MESSAGE_RECEIVED",
    "TASK_ASSIGNED",
    "TASK_UPDATED",
    "TASK_LEASE_LOST",
    "MEMORY_UPDATED",
    "AGENT_JOINED",
    "AGENT_LEFT",
    "AgentChannelError",
    "AgentConnectionError",
    "AuthenticationError",
    "ConflictError",
    "ForbiddenError",
    "InvalidRequestError",
    "NotFoundError",
    "ServerError",
    "UnavailableError",
    "GoneError",
    "TooLargeError",
    "RejectedError",
    "LeaseLostError",
    "IdempotencyMismatchError",
    "WriteNotConfirmedError",
    "AccessControl",
    "Agent",
    "AgentStatus",
    "Channel",
    "InboxPosition",
    "MemoryEntry",
    "MemoryHit",
    "MemoryKey",
    "MemoryUpdate",
    "Message",
    "MessageHit",
    "Page",
    "Task",
    "TaskAssignment",
    "TaskLeaseLost",
    "TaskStatus",
    "Watching",
]
