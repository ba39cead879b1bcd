"""The REST half: reads and the few writes the WebSocket does not carry, with the agent's bearer token."""

from __future__ import annotations

import logging
from typing import Any, Callable, Mapping, Optional
from urllib.parse import quote

import httpx

from .errors import AgentConnectionError, AuthenticationError, error_from_payload

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
        headers: Optional[Mapping[str, str]] = None,
    ) -> Any:
        """Sends one request and returns the decoded JSON body (``None`` for 204)."""
        token = self._token()
        if not token:
            raise AuthenticationError("No token yet: connect() first, or pass token= to AgentClient.")
        all_headers = {"Authorization": f"Bearer {token}", **(headers or {})}
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None and v != ""}
        try:
            response = await self._http.request(method, path, params=query, json=json, headers=all_headers)
        except httpx.TransportError as error:
            # generation None: this is not the WebSocket, so it says nothing about redelivery.
            raise AgentConnectionError(f"{method} {path} failed: {error!r}", generation=None) from error
        if response.status_code == 204 or not response.content:
            if response.status_code >= 400:
                raise error_from_payload(None, status=response.status_code, default_message=f"{method} {path} failed")
            return None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            raise error_from_payload(
                body, status=response.status_code, default_message=f"{method} {path} returned {response.status_code}"
            )
        return body

    async def aclose(self) -> None:
        await self._http.aclose()


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
