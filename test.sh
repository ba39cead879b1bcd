#!/usr/bin/env bash
# Every test: the .NET suites (real silo, SQLite files, HTTP and WebSockets on loopback), then the
# Python SDK's against the real server. Python tests use Debian's interpreter and apt packages
# (python3-websockets python3-httpx python3-pytest python3-pytest-asyncio): there is no PyPI here.
set -euo pipefail
cd "$(dirname "$0")"
dotnet test
/usr/bin/python3 -m pytest sdk/python/tests -q
