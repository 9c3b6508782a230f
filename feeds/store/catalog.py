"""Reading items for the companion API: lists with cursors, search, related items."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, literal, select, tuple_
from sqlalchemy.orm import Session

from feeds.dates import utcnow
from feeds.store.airing import showing
from feeds.store.paging import SHORT, BadCursor, Page, moment, pack, unpack
from feeds.store.search import search_items
from feeds.store.tables import Item, ItemSection
from feeds.store.types import UTCDateTime

__all__ = ["MAX_LIMIT", "BadCursor", "Page", "list_items", "related_items"]

MAX_LIMIT = 100


def encode_cursor(item: Item) -> str:
    return pack([item.published.isoformat(), item.id])


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    value = unpack(cursor)
    if not (isinstance(value, list) and len(value) == 2):
        raise BadCursor("cursor is not valid")
    return moment(value[0]), str(value[1])


def list_items(session: Session, channel_id: str, *, category: str = "", query: str = "",
               limit: int = 20, cursor: str = "") -> Page:
    """Newest first, less the items ops hid; with a ``query``, the search's ranked
    order (see ``feeds.store.search``). The cursor marks the last item seen
    (published, id), so new items arriving at the top never shift or repeat what
    comes after it."""
    if query.strip():
        return search_items(session, channel_id, query, category=category, limit=limit,
                            cursor=cursor)
    published, ident = (Item.published, Item.id)
    statement = select(Item).where(Item.channel_id == channel_id, showing(utcnow()))
    if category:
        # The sections index holds (channel, category, published, id) in order.
        published, ident = ItemSection.published, ItemSection.item_id
        statement = (select(Item).select_from(ItemSection).join(Item, Item.id == ItemSection.item_id)
                     .where(ItemSection.channel_id == channel_id,
                            ItemSection.category == category[:200], showing(utcnow())))
    if cursor:
        after, after_id = decode_cursor(cursor)
        statement = statement.where(tuple_(published, ident) < tuple_(
            literal(after, UTCDateTime()), literal(after_id, String())))
    rows = list(session.scalars(statement.options(*SHORT)
                                .order_by(published.desc(), ident.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1]) if more and rows else None)


def related_items(session: Session, item: Item, limit: int = 5) -> list[Item]:
    """Other recent items of the same section."""
    if not item.categories:
        return []
    page = list_items(session, item.channel_id, category=item.categories[-1], limit=limit + 1)
    return [other for other in page.items if other.id != item.id][:limit]
