"""W3C trace context on requests: every request the SDK sends carries the caller's current span as a
``traceparent`` (a field of WebSocket frames, a header over HTTP), so a server that traces continues the caller's
trace through to the recipients' pushes (docs/sdk-guide.md, "Tracing").

The span comes from :func:`traceparent` when the caller set one, else from OpenTelemetry's current span when the
``opentelemetry-api`` package is installed and a span is active. Without either nothing is sent.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from typing import Iterator, Optional

try:  # optional: the SDK does not depend on OpenTelemetry
    from opentelemetry import trace as _otel_trace
except ImportError:  # pragma: no cover - depends on the environment
    _otel_trace = None

_FORMAT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
_explicit: "contextvars.ContextVar[Optional[str]]" = contextvars.ContextVar("agent_sdk_traceparent", default=None)


def current_traceparent() -> Optional[str]:
    """The ``traceparent`` the next request from this context will carry, or ``None``."""
    explicit = _explicit.get()
    if explicit is not None:
        return explicit
    if _otel_trace is not None:
        context = _otel_trace.get_current_span().get_span_context()
        if context.is_valid:
            return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"
    return None


@contextlib.contextmanager
def traceparent(value: str) -> Iterator[None]:
    """Requests sent inside the block carry ``value`` (``00-<trace id>-<span id>-<flags>``) as their parent span,
    whatever OpenTelemetry's current span is. For callers that trace with something else, or pass a trace on from
    elsewhere (a queue message, an HTTP request they serve)."""
    if not isinstance(value, str) or not _FORMAT.match(value) or value.startswith("ff"):
        raise ValueError(f"{value!r} is not a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>).")
    token = _explicit.set(value)
    try:
        yield
    finally:
        _explicit.reset(token)
