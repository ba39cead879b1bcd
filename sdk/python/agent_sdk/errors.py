"""Typed errors.

The server answers every refused request with the same small set of codes, over REST (RFC 7807 problem
documents with a ``code`` member) and over the WebSocket (``error`` frames). Both become the same
exception classes here, so callers catch one hierarchy whatever transport a method uses::

    try:
        await agent.set_memory("plan", value, expected_version=3)
    except ConflictError as error:
        print("someone else wrote it; now at", error.current_version)
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

__all__ = [
    "AgentChannelError",
    "InvalidRequestError",
    "AuthenticationError",
    "ForbiddenError",
    "NotFoundError",
    "ConflictError",
    "TooLargeError",
    "RejectedError",
    "LeaseLostError",
    "GoneError",
    "ServerError",
    "UnavailableError",
    "AgentConnectionError",
    "error_from_code",
]


class AgentChannelError(Exception):
    """Base class of every error the SDK raises for a refused or failed request.

    Attributes:
        code: the server's error code (``invalid``, ``unauthorized``, ``forbidden``, ``not_found``,
            ``conflict``, ``too_large``, ``rejected``, ``lease_lost``, ``gone``, ``internal``, ``unavailable``) or ``connection`` for
            :class:`AgentConnectionError`.
        message: the server's explanation.
        field: the request field at fault, when the server names one (e.g. ``"priority"``).
        current_version: for memory version conflicts, the key's version at that moment.
        status: the HTTP status for errors from the REST API, else ``None``.
    """

    code: str = "error"

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        field: Optional[str] = None,
        current_version: Optional[int] = None,
        status: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
        self.field = field
        self.current_version = current_version
        self.status = status

    def __str__(self) -> str:
        text = f"[{self.code}] {self.message}"
        if self.field:
            text += f" (field: {self.field})"
        if self.current_version is not None:
            text += f" (current_version: {self.current_version})"
        return text


class InvalidRequestError(AgentChannelError):
    """``invalid`` (HTTP 400): missing, malformed or out-of-range input; ``field`` names it."""

    code = "invalid"


class AuthenticationError(AgentChannelError):
    """``unauthorized`` (HTTP 401): no token, or one the server does not know."""

    code = "unauthorized"


class ForbiddenError(AgentChannelError):
    """``forbidden`` (HTTP 403): authenticated, but this agent may not do this."""

    code = "forbidden"


class NotFoundError(AgentChannelError):
    """``not_found`` (HTTP 404): no such agent, message, task, memory key or channel."""

    code = "not_found"


class ConflictError(AgentChannelError):
    """``conflict`` (HTTP 409): name taken, illegal status move, closed task or stale memory version."""

    code = "conflict"


class TooLargeError(AgentChannelError):
    """``too_large`` (HTTP 413): a field, or the whole request, is over the server's limit."""

    code = "too_large"


class RejectedError(AgentChannelError):
    """``rejected`` (HTTP 422): a server plugin refused the message; it was neither stored nor delivered.
    The message says which plugin and why."""

    code = "rejected"


class LeaseLostError(ConflictError):
    """``lease_lost`` (HTTP 409): a task update or completion named an assignment that is over (its lease ran
    out, it was taken back, the task was handed on or closed). Nothing changed; stop working on the task. It is
    a :class:`ConflictError`, so ``except ConflictError`` catches it too."""

    code = "lease_lost"


class IdempotencyMismatchError(AgentChannelError):
    """``idempotency_mismatch`` (HTTP 422): the idempotency key was used before for another request. The SDK makes
    a new key for every call, so this means a key reused by hand. Nothing changed."""

    code = "idempotency_mismatch"


class GoneError(AgentChannelError):
    """``gone`` (HTTP 410): the agent the request named (a recipient, an assignee, or this agent itself) was
    retired. Its history stays; only the operator can register the name again. Nothing was stored."""

    code = "gone"


class ServerError(AgentChannelError):
    """``internal`` (HTTP 5xx) or an answer the SDK could not understand. The request may be retried."""

    code = "internal"


class UnavailableError(ServerError):
    """``unavailable`` (HTTP 503): the cluster could not serve the request just now (a silo died under it, storage
    was busy). Retry after a second; a write that was in flight may have taken effect, so repeat it with the same
    idempotency key. It is a :class:`ServerError`, so ``except ServerError`` catches it too."""

    code = "unavailable"


class AgentConnectionError(AgentChannelError, ConnectionError):
    """The connection (the WebSocket, or over plain HTTP the server) is not available: the request could
    not be sent, or no answer arrived (so the server may or may not have carried it out).

    It is also a built-in :class:`ConnectionError`, so ``except ConnectionError`` catches it.
    """

    code = "connection"

    def __init__(self, message: str, *, generation: Optional[int] = None) -> None:
        super().__init__(message)
        #: Which connection (counted from 1) the request was on; ``None`` for REST calls outside it.
        self.generation = generation


class WriteNotConfirmedError(AgentConnectionError):
    """A write that got no answer in ``write_attempts`` tries, all with the same idempotency key (lost
    connections, a server restarting, 5xx answers). It may have been stored, and then once: read it back
    before doing it again. An :class:`AgentConnectionError`, so a handler failing with it gets its event
    again after the reconnection.
    """

    def __init__(self, event: str, idempotency_key: str, attempts: int, last: AgentChannelError) -> None:
        super().__init__(
            f"{event} got no answer after {attempts} attempts with idempotency key {idempotency_key!r} "
            f"(last: {last.message}). It may have been stored once; read it back before doing it again.",
            generation=getattr(last, "generation", None),
        )
        self.event = event
        self.idempotency_key = idempotency_key
        self.attempts = attempts


_BY_CODE: Mapping[str, type[AgentChannelError]] = {
    "invalid": InvalidRequestError,
    "unauthorized": AuthenticationError,
    "forbidden": ForbiddenError,
    "not_found": NotFoundError,
    "conflict": ConflictError,
    "too_large": TooLargeError,
    "rejected": RejectedError,
    "lease_lost": LeaseLostError,
    "idempotency_mismatch": IdempotencyMismatchError,
    "gone": GoneError,
    "internal": ServerError,
    "unavailable": UnavailableError,
}

_BY_STATUS: Mapping[int, str] = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    410: "gone",
    413: "too_large",
    422: "rejected",
    503: "unavailable",
}


def error_from_code(
    code: Optional[str],
    message: str,
    *,
    field: Optional[str] = None,
    current_version: Optional[int] = None,
    status: Optional[int] = None,
) -> AgentChannelError:
    """Builds the exception for a server error code (or, when the code is missing, an HTTP status)."""
    if not code and status is not None:
        code = _BY_STATUS.get(status, "invalid" if 400 <= status < 500 else "internal")
    cls = _BY_CODE.get(code or "", ServerError)
    return cls(message, code=code or cls.code, field=field, current_version=current_version, status=status)


def error_from_payload(payload: Any, *, status: Optional[int] = None, default_message: str = "") -> AgentChannelError:
    """Builds the exception for a WebSocket error frame's data or a REST problem document."""
    if not isinstance(payload, dict):
        return error_from_code(None, default_message or "The server refused the request.", status=status)
    message = payload.get("message") or payload.get("detail") or payload.get("title") or default_message
    version = payload.get("current_version")
    return error_from_code(
        payload.get("code"),
        str(message or "The server refused the request."),
        field=payload.get("field"),
        current_version=int(version) if isinstance(version, (int, float)) else None,
        status=status,
    )
