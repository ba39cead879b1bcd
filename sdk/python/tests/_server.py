"""Runs the real Orleans.AgentChannel server (the built WebFrontend dll) for the tests.

Each server gets its own SQLite file, HTTP port, silo ports and cluster id, and a known operator token.
``AGENTCHANNEL_SERVER_DLL`` points at another build; without it the repository's Debug build is used
and built with ``dotnet build src/WebFrontend`` when missing.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Dict, Optional

import httpx

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_DLL = REPO_ROOT / "src" / "WebFrontend" / "bin" / "Debug" / "net10.0" / "Orleans.AgentChannel.WebFrontend.dll"
OPERATOR_TOKEN = "test-operator-token"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_dll() -> Path:
    """The server to run: ``AGENTCHANNEL_SERVER_DLL``, or the Debug build (built when missing)."""
    override = os.environ.get("AGENTCHANNEL_SERVER_DLL")
    if override:
        path = Path(override).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"AGENTCHANNEL_SERVER_DLL={override} does not exist")
        return path
    if not DEFAULT_DLL.is_file():
        build = subprocess.run(
            ["dotnet", "build", "src/WebFrontend", "--nologo", "-v", "q"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if build.returncode != 0 or not DEFAULT_DLL.is_file():
            raise RuntimeError(f"dotnet build src/WebFrontend failed:\n{build.stdout[-4000:]}\n{build.stderr[-4000:]}")
    return DEFAULT_DLL


class ServerProcess:
    """One server process; ``restart()`` keeps the SQLite file and the HTTP port."""

    def __init__(self, directory: Path, settings: Optional[Dict[str, str]] = None) -> None:
        self.directory = directory
        self.database = directory / "agentchannel.db"
        self.port = free_port()
        self.settings = dict(settings or {})
        self.log_path = directory / "server.log"
        self._process: Optional[subprocess.Popen[bytes]] = None
        self._starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        dll = server_dll()
        self._starts += 1
        env = {
            **os.environ,
            "AgentChannel__Storage__SqlitePath": str(self.database),
            "AgentChannel__OperatorToken": OPERATOR_TOKEN,
            "AgentChannel__Silo__SiloPort": str(free_port()),
            "AgentChannel__Silo__GatewayPort": str(free_port()),
            "AgentChannel__Silo__ClusterId": f"test-{uuid.uuid4().hex}",
            "Logging__LogLevel__Default": "Warning",
            # Connected WebSockets hold a graceful stop for the host's whole shutdown timeout (30 s by
            # default): a short one keeps restarts quick. The data is committed per request anyway.
            "shutdownTimeoutSeconds": "2",
            "DOTNET_CLI_TELEMETRY_OPTOUT": "1",
            "DOTNET_NOLOGO": "1",
            **self.settings,
        }
        log = open(self.log_path, "ab")
        log.write(f"\n==== start {self._starts} on {self.url}\n".encode())
        log.flush()
        try:
            self._process = subprocess.Popen(
                ["dotnet", str(dll), "--urls", self.url],
                cwd=dll.parent,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        finally:
            log.close()
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        assert self._process is not None
        with httpx.Client(timeout=2.0) as http:
            while True:
                if self._process.poll() is not None:
                    code = self._process.returncode
                    hint = " (a signal from outside the tests)" if code is not None and code < 0 else ""
                    raise RuntimeError(f"the server exited with {code}{hint}:\n{self.log_tail()}")
                try:
                    if http.get(f"{self.url}/api/health").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise TimeoutError(f"the server was not healthy within {START_TIMEOUT:g} s:\n{self.log_tail()}")
                time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not exited within STOP_TIMEOUT."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""
