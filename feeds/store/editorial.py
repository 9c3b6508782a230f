"""Editorial control: hiding and pinning items, a channel's rows, and the checks of
what ops send for them (the admin API and the CLI alike). Each change is written
to the audit log in the same transaction; the caller commits."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from feeds.store import audit
from feeds.store.checks import Invalid, check_fields
from feeds.store.tables import Channel, Item

LATEST = "Latest"
MAX_ROWS = 30
MAX_ROW_LENGTH = 200
MAX_CATEGORY = 200
ROW_KEY_LENGTH = 20
"""Rows match sections by their first 20 characters: a Roku playlist name is at
most 20, and the Roku builder cuts a section's name there."""
LAPSED_ACTOR = "schedule"


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def parse_time(value: object) -> datetime:
    """An ISO 8601 time with its offset (``2026-12-01T18:00:00+01:00`` or ``…Z``)."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValueError("must be an ISO 8601 time with its offset, such as 2026-12-01T18:00:00+00:00")
    return moment


def check_item_change(data: object, now: datetime) -> dict:
    """``hidden``, ``pinned`` and ``until`` (only with ``pinned: true``, in the future)."""
    def until(value: object) -> datetime | None:
        if value is None:
            return None
        moment = parse_time(value)
        if moment <= now:
            raise ValueError("must be in the future")
        return moment

    values = check_fields(data, {"hidden": _flag, "pinned": _flag, "until": until}, ())
    if not values:
        raise Invalid({"body": "must set hidden or pinned"})
    if "until" in values and values.get("pinned") is not True:
        raise Invalid({"until": "only with pinned: true"})
    return values


def change_item(session: Session, item: Item, values: dict, actor: str, now: datetime) -> list[str]:
    """Apply checked ``values``; the actions done ("hide", "pin"…), each recorded.
    A pin always starts again at ``now``: pinning a pinned item puts it back on top."""
    actions = []
    if "hidden" in values and values["hidden"] != item.hidden:
        item.hidden = values["hidden"]
        actions.append("hide" if item.hidden else "unhide")
    if values.get("pinned") is True:
        item.pinned_at, item.pin_until = now, values.get("until")
        actions.append("pin")
    elif values.get("pinned") is False and item.pinned_at is not None:
        item.pinned_at = item.pin_until = None
        actions.append("unpin")
    for action in actions:
        details = {"until": _stamp(item.pin_until)} if action == "pin" else {}
        audit.record(session, item.channel_id, actor, action, item.id, title=item.title, **details)
    return actions


def item_document(item: Item, now: datetime) -> dict:
    pinned = item.pinned(now)
    return {"id": item.id, "channel": item.channel_id, "title": item.title, "hidden": item.hidden,
            "pinned": pinned, "until": _stamp(item.pin_until) if pinned else None,
            "pinned_at": _stamp(item.pinned_at) if pinned else None}


def _stamp(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value else None


def lapse_pins(session: Session, now: datetime) -> set[str]:
    """Clear the pins whose ``until`` has come and record it; the channels they were
    in, to publish again. A pin set again meanwhile (a later ``until``) stays."""
    lapsed = session.execute(select(Item.id, Item.channel_id, Item.title, Item.pin_until)
                             .where(Item.pin_until <= now)).all()
    if not lapsed:
        return set()
    session.execute(update(Item).where(Item.id.in_([row.id for row in lapsed]),
                                       Item.pin_until <= now)
                    .values(pinned_at=None, pin_until=None))
    for row in lapsed:
        audit.record(session, row.channel_id, LAPSED_ACTOR, "pin-lapsed", row.id, title=row.title,
                     until=_stamp(row.pin_until))
    return {row.channel_id for row in lapsed}


def row_key(name: str) -> str:
    """What a row and a section are matched by: spaces folded, case ignored, the
    first ``ROW_KEY_LENGTH`` characters."""
    return " ".join(name.split())[:ROW_KEY_LENGTH].strip().casefold()


def is_latest(name: str) -> bool:
    return row_key(name) == LATEST.casefold()


def _row(value: object, path: str, errors: dict[str, str]) -> tuple[str, int] | None:
    if not isinstance(value, dict):
        errors[path] = "must be an object with category and length"
        return None
    errors |= {f"{path}.{name}": "is not a known field" for name in value
               if name not in ("category", "length")}
    before = len(errors)
    category, length = value.get("category"), value.get("length")
    if not isinstance(category, str) or not row_key(category) or len(category) > MAX_CATEGORY:
        errors[f"{path}.category"] = f"must be a category name of 1 to {MAX_CATEGORY} characters"
    if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= MAX_ROW_LENGTH:
        errors[f"{path}.length"] = f"must be a whole number from 1 to {MAX_ROW_LENGTH}"
    if len(errors) > before:
        return None
    return " ".join(category.split()), length


def check_rows(data: object) -> list[dict] | None:
    """A channel's rows in order, ``[{"category", "length"}]`` (or ``{"rows": [...]}``,
    as GET answers); ``None`` or an empty list for the default rows."""
    if isinstance(data, dict) and set(data) <= {"rows", "channel"} and "rows" in data:
        data = data["rows"]
    if data is None or data == []:
        return None
    if not isinstance(data, list):
        raise Invalid({"rows": "must be a list of {category, length}, or null for the default"})
    if len(data) > MAX_ROWS:
        raise Invalid({"rows": f"must have at most {MAX_ROWS} rows"})
    errors: dict[str, str] = {}
    seen: dict[str, int] = {}
    rows = []
    for index, value in enumerate(data):
        row = _row(value, f"rows[{index}]", errors)
        if row is None:
            continue
        if (first := seen.setdefault(row_key(row[0]), index)) != index:
            errors[f"rows[{index}].category"] = (f"is the same row as rows[{first}] (rows match by "
                                                 f"their first {ROW_KEY_LENGTH} characters, any case)")
        rows.append({"category": row[0], "length": row[1]})
    if errors:
        raise Invalid(errors)
    return rows


def set_rows(session: Session, channel: Channel, rows: list[dict] | None, actor: str) -> bool:
    """Store the checked ``rows``; whether they changed (then recorded)."""
    if (channel.rows or None) == rows:
        return False
    channel.rows = rows
    audit.record(session, channel.id, actor, "rows", channel.id, rows=rows)
    return True


def rows_document(channel: Channel) -> dict:
    return {"channel": channel.id, "rows": channel.rows or None}


def configured_rows(channel: Channel) -> list[tuple[str, int]] | None:
    """The channel's rows as (category, length), ``None`` for the default; entries the
    checks would refuse (a store edited by hand) are skipped."""
    if not isinstance(channel.rows, list) or not channel.rows:
        return None
    rows = []
    for row in channel.rows:
        if isinstance(row, dict):
            category, length = row.get("category"), row.get("length")
            if isinstance(category, str) and row_key(category) and isinstance(length, int):
                rows.append((category, max(1, min(length, MAX_ROW_LENGTH))))
    return rows or None
