"""Trace context: a request sent inside ``agent_sdk.traceparent(...)`` (or under an OpenTelemetry span) carries it, and a
server that traces makes it the parent of the request's span, over the WebSocket and over REST alike."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any, Iterator, List

import httpx
import pytest

from _helpers import unique
from _server import OPERATOR_TOKEN, ServerProcess
from agent_sdk import current_traceparent, traceparent


@pytest.fixture(scope="module")
def traced_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path_factory.mktemp("traced-server"), {"AgentChannel__Tracing__Enabled": "true"})
    process.start()
    try:
        yield process
    finally:
        process.stop()


def traces_of_message(server: ServerProcess, message_id: str) -> List[Any]:
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"}, timeout=10) as http:
        response = http.get("/api/traces", params={"message_id": message_id})
        assert response.status_code == 200, response.text
        return response.json()["items"]


def test_traceparent_is_scoped_to_its_block_and_refuses_what_is_not_one() -> None:
    assert current_traceparent() is None
    value = f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"
    with traceparent(value):
        assert current_traceparent() == value
    assert current_traceparent() is None
    with pytest.raises(ValueError):
        with traceparent("not-a-traceparent"):
            pass


@pytest.mark.parametrize("transport", ["websocket", "sse"])
async def test_a_message_sent_inside_a_traceparent_block_is_traced_under_the_callers_span(
    traced_server: ServerProcess, clients: Any, transport: str
) -> None:
    receiver = clients(unique("trace-rcv"), traced_server.url)
    await receiver.connect()
    sender = clients(unique("trace-snd"), traced_server.url, transport=transport)
    await sender.connect()
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)

    with traceparent(f"00-{trace_id}-{span_id}-01"):
        message = await sender.send_message("traced", recipients=[receiver.name])

    # The request's first span in the server (the frame's, or ASP.NET Core's request) is the caller's span's child. It
    # ends as the reply goes out, so it may reach the buffer a moment after the reply reaches us.
    deadline = asyncio.get_running_loop().time() + 20
    while True:
        traces = traces_of_message(traced_server, message.id)
        if any(span["parent_span_id"] == span_id for trace in traces for span in trace["spans"]):
            break
        assert asyncio.get_running_loop().time() < deadline, f"no span of the request has the caller's span as parent: {traces}"
        await asyncio.sleep(0.1)
    assert [trace["trace_id"] for trace in traces] == [trace_id]
    names = {span["name"] for span in traces[0]["spans"]}
    assert {"messages store", "sqlite commit", "inbox deliver"} <= names, names
