"""Reading items for the companion API: lists with cursors, search, related items."""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from feeds.store.tables import Item

MAX_LIMIT = 100
MAX_WORDS = 8
class BadCursor(ValueError):
    """The cursor was not one we made."""


@dataclass
class Page:
    items: list[Item]
    next_cursor: str | None


def encode_cursor(item: Item) -> str:
    raw = orjson.dumps([item.published.isoformat(), item.id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        published, item_id = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = datetime.fromisoformat(published)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise BadCursor("cursor is not valid") from exc
    if moment.tzinfo is None:
        raise BadCursor("cursor is not valid")
    return moment, str(item_id)


def list_items(session: Session, channel_id: str, *, category: str = "", query: str = "",
               limit: int = 20, cursor: str = "") -> Page:
    """Newest first, less the items ops hid. The cursor marks the last item seen
    (published, id), so new items arriving at the top never shift or repeat what
    comes after it."""
    conditions = [Item.channel_id == channel_id, Item.hidden.is_(False)]
    if category:
        conditions.append(cast(Item.categories, String).contains(json.dumps(category), autoescape=True))
    if query:
        conditions.append(_matches(query))
    if cursor:
        published, item_id = decode_cursor(cursor)
        conditions.append(or_(Item.published < published,
                              and_(Item.published == published, Item.id < item_id)))
    rows = list(session.scalars(select(Item).where(*conditions)
                                .order_by(Item.published.desc(), Item.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1]) if more and rows else None)


def _matches(query: str):
    """Every word in the title, the summary or the body, ignoring case.

    The body is a JSON list, stored with non-ASCII characters escaped, so a word is
    also looked for in that form. SQLite's lower() folds only ASCII, so a word is
    also tried capitalised and upper-case."""
    return and_(*(_word_matches(word) for word in query.split()[:MAX_WORDS]))


def _word_matches(word: str):
    forms = {word.lower(), word.capitalize(), word.upper()}
    texts = {_ascii_lower(form) for form in forms}
    in_body = {_ascii_lower(json.dumps(form)[1:-1]) for form in forms}
    body = func.lower(cast(Item.body, String))
    return or_(*(func.lower(field).contains(text, autoescape=True)
                 for field in (Item.title, Item.summary) for text in texts),
               *(body.contains(text, autoescape=True) for text in in_body))


def _ascii_lower(text: str) -> str:
    return "".join(c.lower() if c.isascii() else c for c in text)


def related_items(session: Session, item: Item, limit: int = 5) -> list[Item]:
    """Other recent items of the same section."""
    if not item.categories:
        return []
    page = list_items(session, item.channel_id, category=item.categories[-1], limit=limit + 1)
    return [other for other in page.items if other.id != item.id][:limit]
