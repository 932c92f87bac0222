"""Time: the database stores naive UTC timestamps; people live in their region's time zone.

Every helper reads the current instant through :func:`current_instant`, so one place knows
what "now" is (and a test freezes time there). "Today" is a day in a region's time zone:
a region's ``timezone`` (IANA name), or ``PORTAL_TIMEZONE`` where no region is concerned.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo, available_timezones

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Europe/Moscow"


class HasTimezone(Protocol):
    timezone: str | None


Zoned = HasTimezone | str | None  # a region, an IANA name, or None for the portal's zone


def current_instant() -> datetime:
    """The current instant, time-zone aware (UTC)."""
    return datetime.now(UTC)


def utcnow() -> datetime:
    """The current time as naive UTC, the form every timestamp column holds."""
    return current_instant().replace(tzinfo=None)


def default_timezone() -> str:
    """The portal's time zone (``PORTAL_TIMEZONE``): the default of every new region."""
    if has_app_context():
        return current_app.config.get("PORTAL_TIMEZONE") or DEFAULT_TIMEZONE
    return DEFAULT_TIMEZONE


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone(where: Zoned = None) -> ZoneInfo:
    """The time zone of a region (or of an IANA name); the portal's zone for None."""
    name = where if isinstance(where, str) or where is None else where.timezone
    return _zone(name or default_timezone())


def now(where: Zoned = None) -> datetime:
    """The current time in the region's time zone (aware)."""
    return current_instant().astimezone(zone(where))


def today(where: Zoned = None) -> date:
    """Today's date in the region's time zone (deadlines are days in the region's time)."""
    return now(where).date()


def day_end_utc(day: date, where: Zoned = None) -> datetime:
    """The end of ``day`` in the region's time, as the naive UTC instant it stops at.

    That is local midnight after ``day``: a moment strictly before it lies on ``day`` or
    earlier, the moment itself already on the next day.
    """
    midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone(where))
    return midnight.astimezone(UTC).replace(tzinfo=None)


def check_timezone(name: str | None) -> str:
    """The IANA name, stripped, if zoneinfo knows it; ``ValueError`` otherwise."""
    name = (name or "").strip()
    if name not in _known_timezones():
        raise ValueError(name)
    return name


@lru_cache(maxsize=1)
def _known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())
