"""Pages of items and the opaque cursors that continue them."""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from sqlalchemy.orm import defer

from feeds.store.tables import Item

# A page shows items in short: their bodies stay in the store unless asked for (the
# JSON of 20 bodies costs more to read than the rest of the page).
SHORT = (defer(Item.body), defer(Item.body_html))


class BadCursor(ValueError):
    """The cursor was not one we made."""


@dataclass
class Page:
    """``snippets``: item id to a highlighted extract, when the page answers a search."""

    items: list[Item]
    next_cursor: str | None
    snippets: dict[str, str] = field(default_factory=dict)


def pack(value: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


def unpack(cursor: str) -> object:
    try:
        return orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise BadCursor("cursor is not valid") from exc


def moment(value: object) -> datetime:
    """A timezone-aware datetime from a cursor's ISO string, else ``BadCursor``."""
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise BadCursor("cursor is not valid")
    return parsed
