"""The current time and dates as feeds write them, in UTC."""
from __future__ import annotations

from datetime import datetime, timezone


def utc_iso(moment: datetime) -> str:
    """ISO 8601 in UTC to the second. UTC because some zones' historical offsets
    have seconds, which Roku's date-time format refuses."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
