"""How the console writes times, durations and sizes for people."""
from __future__ import annotations

from datetime import UTC, datetime

from feeds.dates import utcnow


def moment(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    found = datetime.fromisoformat(value) if isinstance(value, str) else value
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def duration(seconds: float | None) -> str:
    """``45 s``, ``15 min``, ``2 h 30 min``, ``3 days``."""
    if seconds is None:
        return "—"
    seconds = int(abs(seconds))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        hours, minutes = divmod(round(seconds / 60), 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{round(seconds / 86400)} days"


def interval(seconds: int) -> str:
    """Seconds as the admin API takes them back: ``15m``, ``1h``, ``90``."""
    for unit, length in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % length == 0:
            return f"{seconds // length}{unit}"
    return str(seconds)


def ago(value: str | datetime | None) -> str:
    when = moment(value)
    if when is None:
        return "never"
    seconds = (utcnow() - when).total_seconds()
    return f"in {duration(seconds)}" if seconds < 0 else f"{duration(seconds)} ago"


def stamp(value: str | datetime | None) -> str:
    when = moment(value)
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if when else "—"


def size(count: int | None) -> str:
    if count is None:
        return "—"
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count / 1024 / 1024:.1f} MB"


def describe(entry: dict) -> str:
    """A report entry in a line: its fields but the item id, which the page links."""
    return "; ".join(f"{name}: {value}" for name, value in entry.items() if name != "id")


HELPERS = {"ago": ago, "describe": describe, "duration": duration, "interval": interval, "moment": moment,
           "size": size, "stamp": stamp}
