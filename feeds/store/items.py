"""Turning parsed entries into stored items: insert, update, or leave alone.

The same article reached twice (by guid, or by canonical URL from another source)
is one item; a changed article updates its item and keeps its id. Items are never
deleted because they dropped out of an upstream feed."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime

import orjson
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feeds.dates import utcnow
from feeds.model import Entry
from feeds.store.ids import item_id
from feeds.store.tables import Item

CONTENT_FIELDS = ("kind", "title", "summary", "body", "body_html", "image_url", "image_caption",
                  "categories", "tags", "url", "author", "language", "videos", "duration")


@dataclass
class Counts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.new or self.updated)


def upsert_entries(session: Session, channel_id: str, source_id: int | None,
                   entries: list[Entry], now: datetime | None = None) -> Counts:
    """Store ``entries`` in the session's transaction; the caller commits."""
    now = now or utcnow()
    counts = Counts()
    for entry in _unique(entries):
        outcome = _upsert_one(session, channel_id, source_id, entry, now)
        setattr(counts, outcome, getattr(counts, outcome) + 1)
    return counts


def _unique(entries: list[Entry]) -> list[Entry]:
    seen: dict[str, Entry] = {}
    for entry in entries:
        seen.setdefault(entry.key, entry)
    return list(seen.values())


def _upsert_one(session: Session, channel_id: str, source_id: int | None,
                entry: Entry, now: datetime) -> str:
    values = item_values(entry)
    existing = find_item(session, channel_id, entry)
    if existing is None:
        item = Item(id=item_id(channel_id, entry.key), channel_id=channel_id, source_id=source_id,
                    key=entry.key, first_seen=now, last_seen=now, **_with_date(values, now))
        try:
            with session.begin_nested():
                session.add(item)
            return "new"
        except IntegrityError:
            existing = find_item(session, channel_id, entry)
            if existing is None:
                raise
    existing.last_seen = now
    if existing.content_hash == values["content_hash"]:
        return "unchanged"
    for name, value in values.items():
        setattr(existing, name, value)
    return "updated"


def find_item(session: Session, channel_id: str, entry: Entry) -> Item | None:
    clauses = [Item.key == entry.key]
    if entry.url:
        clauses.append(Item.url == entry.url)
    rows = session.scalars(
        select(Item).where(Item.channel_id == channel_id, or_(*clauses))).all()
    by_key = [row for row in rows if row.key == entry.key]
    return (by_key or rows or [None])[0]


def item_values(entry: Entry) -> dict:
    """The stored columns for an entry, with a hash of its content to spot changes.

    An entry without any date gets none here, so that an undated item keeps the time
    it was first seen instead of looking changed on every refresh."""
    values = {name: getattr(entry, name) for name in CONTENT_FIELDS}
    values["videos"] = [asdict(video) for video in entry.videos]
    published = entry.published or entry.updated
    if published is not None:
        values["published"] = published
        offset = published.utcoffset()
        values["published_offset"] = int(offset.total_seconds() // 60) if offset else 0
    values["updated"] = entry.updated
    values["content_hash"] = hashlib.sha256(
        orjson.dumps(values, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return values


def _with_date(values: dict, now: datetime) -> dict:
    return values if "published" in values else {**values, "published": now}
