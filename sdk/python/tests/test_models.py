"""Models, errors, URLs and token files, without a server."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from agent_sdk import (
    AgentChannelError,
    AgentClient,
    AgentConnectionError,
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    MemoryUpdate,
    Message,
    NotFoundError,
    ServerError,
    Task,
    TaskStatus,
    TooLargeError,
)
from agent_sdk import _tokens
from agent_sdk.errors import error_from_payload
from agent_sdk.models import parse_datetime


def test_timestamps_from_dotnet_parse_with_seven_digits_z_and_offsets() -> None:
    assert parse_datetime("2026-11-26T10:01:16.3686584+00:00") == datetime(
        2026, 11, 26, 10, 1, 16, 368658, tzinfo=timezone.utc
    )
    assert parse_datetime("2026-11-26T10:01:16.648+00:00").microsecond == 648000  # type: ignore[union-attr]
    assert parse_datetime("2026-11-26T10:01:16Z") == datetime(2026, 11, 26, 10, 1, 16, tzinfo=timezone.utc)
    assert parse_datetime("2030-01-01T02:00:00+02:00") == datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert parse_datetime("2030-01-01T00:00:00").tzinfo is timezone.utc  # type: ignore[union-attr]
    assert parse_datetime(None) is None


def test_task_reads_the_wire_shape_and_ignores_unknown_fields() -> None:
    task = Task.from_dict(
        {
            "id": "0197-task",
            "title": "Analyze data",
            "description": "Process the dataset",
            "status": "in_progress",
            "priority": 1,
            "creator": "research_agent",
            "assigned_to": "analysis_agent",
            "created_at": "2030-01-01T00:00:00+00:00",
            "updated_at": "2030-01-01T00:00:01.1234567+00:00",
            "due_date": None,
            "completed_at": None,
            "requirements": {"capabilities": ["analysis"]},
            "result": [1, 2],
            "assignments": [
                {"id": "a1", "agent": "analysis_agent", "status": "in_progress", "assigned_at": "2030-01-01T00:00:00Z",
                 "completed_at": None, "assigned_by": "research_agent", "brand_new_field": 1}
            ],
            "a_field_from_the_future": {"x": 1},
        }
    )
    assert task.id == "0197-task" and task.priority == 1 and task.result == [1, 2]
    assert task.status == TaskStatus.IN_PROGRESS and task.status == "in_progress" and not task.is_closed
    assert task.updated_at is not None and task.created_at is not None
    assert task.updated_at - task.created_at == timedelta(seconds=1, microseconds=123456)
    assert task.assignments[0].agent == "analysis_agent" and task.assignments[0].assigned_by == "research_agent"
    assert task.raw["a_field_from_the_future"] == {"x": 1}
    assert "raw" not in repr(task)


def test_message_and_memory_update_defaults() -> None:
    message = Message.from_dict({"id": "m", "sequence": 3, "sender": "a", "content": "hi", "recipients": ["b"]})
    assert (message.channel, message.task_id, message.message_type, message.metadata) == (None, None, "text", {})
    deleted = MemoryUpdate.from_dict({"key": "k", "version": 4, "updated_by": "a", "value": None, "deleted": True})
    assert deleted.deleted and deleted.value is None and deleted.version == 4


@pytest.mark.parametrize(
    "code,status,expected",
    [
        ("invalid", 400, InvalidRequestError),
        ("unauthorized", 401, AuthenticationError),
        ("forbidden", 403, ForbiddenError),
        ("not_found", 404, NotFoundError),
        ("conflict", 409, ConflictError),
        ("too_large", 413, TooLargeError),
        ("internal", 500, ServerError),
        (None, 404, NotFoundError),
        (None, 502, ServerError),
        ("something_new", 418, ServerError),
    ],
)
def test_error_codes_map_to_exception_classes(code: str, status: int, expected: type) -> None:
    payload = {"code": code, "detail": "nope", "field": "title", "current_version": 2} if code else {"detail": "nope"}
    error = error_from_payload(payload, status=status)
    assert type(error) is expected and isinstance(error, AgentChannelError)
    assert error.message == "nope"
    if code:
        assert error.field == "title" and error.current_version == 2 and "[" in str(error)


def test_websocket_error_frames_use_message() -> None:
    error = error_from_payload({"code": "conflict", "message": "stale", "current_version": 7})
    assert isinstance(error, ConflictError) and error.current_version == 7 and error.status is None


def test_connection_error_is_a_builtin_connection_error() -> None:
    assert issubclass(AgentConnectionError, ConnectionError) and issubclass(AgentConnectionError, AgentChannelError)


def test_token_files_default_per_server_and_name_and_are_private(token_dir: Path) -> None:
    client = AgentClient(name="Research_Agent", server_url="http://localhost:5000/")
    assert client.token_file == token_dir / "localhost_5000" / "research_agent.token"
    assert client.server_url == "http://localhost:5000"
    _tokens.write_token(client.token_file, "ac_secret")
    assert _tokens.read_token(client.token_file) == "ac_secret"
    assert stat.S_IMODE(os.stat(client.token_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(client.token_file.parent).st_mode) == 0o700
    assert _tokens.server_key("https://agents.example.org") == "agents.example.org_443"


def test_server_urls_must_be_http_or_ws() -> None:
    with pytest.raises(ValueError):
        AgentClient(name="x", server_url="ftp://example.org")
