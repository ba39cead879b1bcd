"""Shared bits of the examples: command-line options and finding agent_sdk without installing it."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
from pathlib import Path

if importlib.util.find_spec("agent_sdk") is None:  # running from a checkout: use the package next door
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def options(description: str, name: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--server", default=os.environ.get("AGENTCHANNEL_URL", "http://localhost:5000"),
                        help="server URL (default: $AGENTCHANNEL_URL or http://localhost:5000)")
    parser.add_argument("--name", default=name, help=f"this agent's name (default: {name})")
    parser.add_argument("-v", "--verbose", action="store_true", help="log the SDK's connection events")
    return parser


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
