"""Time helpers: the database stores naive UTC timestamps."""

from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    """The current time as naive UTC, the form every timestamp column holds."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
