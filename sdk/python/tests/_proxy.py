"""A TCP relay between a client and the server that a test can cut, to drop sockets on purpose.

It copies bytes and understands nothing of WebSocket or HTTP. ``drop_all()`` aborts every relayed
connection at once (as a network failure would); ``blackhole`` swallows what clients send, so a
request can be left waiting for a reply that never comes; ``deaf`` swallows what the server sends, so a
request is carried out while its reply is lost.
"""

from __future__ import annotations

import asyncio
from typing import List, Optional, Set, Tuple


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.blackhole = False
        self.deaf = False
        #: Bytes from clients swallowed while ``blackhole`` was set.
        self.swallowed = 0
        #: Bytes from the server swallowed while ``deaf`` was set.
        self.unheard = 0
        #: How many client connections were accepted.
        self.accepted = 0
        self._server: Optional[asyncio.Server] = None
        self._pairs: List[Tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = []
        self._tasks: Set["asyncio.Task[None]"] = set()

    async def start(self) -> "TcpProxy":
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def drop_all(self) -> None:
        """Aborts every relayed connection, both sides, without any closing handshake."""
        pairs, self._pairs = self._pairs, []
        for client, upstream in pairs:
            client.transport.abort()
            upstream.transport.abort()

    async def close(self) -> None:
        self.drop_all()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            client_writer.transport.abort()
            return
        self._pairs.append((client_writer, upstream_writer))
        for task in (
            asyncio.ensure_future(self._pipe(client_reader, upstream_writer, from_client=True)),
            asyncio.ensure_future(self._pipe(upstream_reader, client_writer, from_client=False)),
        ):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, from_client: bool) -> None:
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if from_client and self.blackhole:
                    self.swallowed += len(data)
                    continue
                if not from_client and self.deaf:
                    self.unheard += len(data)
                    continue
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.transport.abort()
