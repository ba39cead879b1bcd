"""The REST half: reads and the few writes the WebSocket does not carry, with the agent's bearer token."""

from __future__ import annotations

import logging
from typing import Any, Callable, Mapping, Optional
from urllib.parse import quote

import httpx

from ._tracing import current_traceparent
from .errors import AgentChannelError, AgentConnectionError, AuthenticationError, error_from_payload

logger = logging.getLogger("agent_sdk")


def path_segment(value: str) -> str:
    """One URL path segment (an agent name, a task id)."""
    return quote(value, safe="")


def memory_path(key: str) -> str:
    """A memory key as the rest of the path: ``/`` stays, everything else special is escaped."""
    return quote(key, safe="/")


class RestClient:
    """A thin ``httpx.AsyncClient`` wrapper that turns problem documents into typed errors."""

    def __init__(self, base_url: str, token: Callable[[], Optional[str]], timeout: float, user_agent: str) -> None:
        self._token = token
        self._timeout = timeout
        self._http = httpx.AsyncClient(
            base_url=base_url, timeout=timeout, headers={"User-Agent": user_agent, "Accept": "application/json"}
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        json: Any = None,
        timeout: Optional[float] = None,
        idempotency_key: Optional[str] = None,
        content: Any = None,
        content_type: Optional[str] = None,
    ) -> Any:
        """Sends one request with the agent's token and returns the decoded JSON body (``None`` for 204).

        ``timeout`` replaces the client's for this request (a long poll waits longer than a request);
        ``idempotency_key`` goes in the ``Idempotency-Key`` header.
        """
        token = self._token()
        if not token:
            raise AuthenticationError("No token yet: connect() first, or pass token= to AgentClient.")
        return await self.send(method, path, token=token, params=params, json=json, timeout=timeout,
                               idempotency_key=idempotency_key, content=content, content_type=content_type)

    async def send(
        self,
        method: str,
        path: str,
        *,
        token: Optional[str],
        params: Optional[Mapping[str, Any]] = None,
        json: Any = None,
        timeout: Optional[float] = None,
        idempotency_key: Optional[str] = None,
        content: Any = None,
        content_type: Optional[str] = None,
    ) -> Any:
        """Like :meth:`request`, with the token given (``None``: anonymous, as a first registration is).

        ``content`` (bytes, or an async iterator of bytes: sent chunked, never held whole) replaces a JSON body."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if content_type is not None:
            headers["Content-Type"] = content_type
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        parent = current_traceparent()
        if parent is not None:
            headers["traceparent"] = parent
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None and v != ""}
        try:
            response = await self._http.request(
                method, path, params=query, json=json, content=content, headers=headers,
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.TransportError as error:
            # generation None: this is not the WebSocket, so it says nothing about redelivery.
            raise AgentConnectionError(f"{method} {path} failed: {error!r}", generation=None) from error
        if response.status_code >= 400:
            raise _problem(response, method, path)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return None

    async def open_stream(self, path: str, *, headers: Mapping[str, str], read_timeout: float) -> httpx.Response:
        """Starts a streamed ``GET`` with the agent's token and returns the response once its headers are in;
        the caller reads the body and closes it. An error status raises its typed error.

        ``read_timeout`` bounds the silence between two reads, not the whole response, which lasts as long as
        the stream does.
        """
        token = self._token()
        if not token:
            raise AuthenticationError("No token yet: connect() first, or pass token= to AgentClient.")
        request = self._http.build_request(
            "GET", path, headers={"Authorization": f"Bearer {token}", **headers},
            timeout=httpx.Timeout(self._timeout, read=read_timeout),
        )
        try:
            response = await self._http.send(request, stream=True)
        except httpx.TransportError as error:
            raise AgentConnectionError(f"GET {path} failed: {error!r}", generation=None) from error
        if response.status_code >= 400:
            try:
                await response.aread()
            except httpx.TransportError:
                pass  # the status says enough
            finally:
                await response.aclose()
            raise _problem(response, "GET", path)
        return response

    async def aclose(self) -> None:
        await self._http.aclose()


def _problem(response: httpx.Response, method: str, path: str) -> AgentChannelError:
    """The typed error for an error status, from its problem document when it has one."""
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = None
    return error_from_payload(
        body, status=response.status_code, default_message=f"{method} {path} returned {response.status_code}"
    )


def _query_value(value: Any) -> str:
    from datetime import datetime, timezone
    from enum import Enum

    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
