"""``wecare territory`` sub-command (being written)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``territory`` sub-command (placeholder until the module is written)."""
