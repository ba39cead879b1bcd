"""Where an agent keeps its token between runs.

The server shows an agent's token once, when the agent is created, and afterwards only accepts that token
for the name. So the SDK saves it, by default to ``~/.agent_sdk/tokens/<host>_<port>/<name>.token``
(``AGENT_SDK_TOKEN_DIR`` replaces ``~/.agent_sdk/tokens``), readable by the owner only.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Optional, Union
from urllib.parse import urlsplit

PathLike = Union[str, "os.PathLike[str]"]

#: Environment variable that replaces the default token directory ``~/.agent_sdk/tokens``.
TOKEN_DIR_ENV = "AGENT_SDK_TOKEN_DIR"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def token_dir() -> Path:
    """The directory under which token files are kept by default."""
    configured = os.environ.get(TOKEN_DIR_ENV)
    return Path(configured).expanduser() if configured else Path.home() / ".agent_sdk" / "tokens"


def server_key(server_url: str) -> str:
    """``http://localhost:5000`` → ``localhost_5000``: one folder per server address."""
    parts = urlsplit(server_url)
    host = parts.hostname or "localhost"
    port = parts.port or (443 if parts.scheme in ("https", "wss") else 80)
    return _UNSAFE.sub("_", f"{host}_{port}")


def default_token_path(server_url: str, name: str) -> Path:
    """The default token file for an agent name on a server (names are case-insensitive)."""
    return token_dir() / server_key(server_url) / f"{_UNSAFE.sub('_', name.lower())}.token"


def read_token(path: PathLike) -> Optional[str]:
    """The saved token, or ``None`` when the file does not exist or is empty."""
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return text or None


def write_token(path: PathLike, token: str) -> None:
    """Saves the token atomically with mode 0600 (its folder is created with mode 0700)."""
    target = Path(path)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".token-", dir=str(target.parent))
    try:
        os.chmod(temporary, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(token + "\n")
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
