#!/usr/bin/env bash
# Every test: the .NET suites (real silo, SQLite files, HTTP and WebSockets on loopback), then the
# Python SDK's against the real server, then the interop suite (the official MCP TypeScript SDK and the
# official A2A JavaScript SDK against the real server). Python tests use Debian's interpreter and apt packages
# (python3-websockets python3-httpx python3-pytest python3-pytest-asyncio): there is no PyPI here.
# The interop suite installs the npm packages pinned in its package-lock.json itself (npm ci).
set -euo pipefail
cd "$(dirname "$0")"
dotnet test
/usr/bin/python3 -m pytest sdk/python/tests -q
(cd tests/Interop && npm ci --no-audit --no-fund --loglevel=error && node --test)
