"""Turning parsed entries into stored items: insert, update, or leave alone.

The same article reached twice (by guid, or by canonical URL from another source)
is one item; a changed article updates its item and keeps its id. Items are never
deleted because they dropped out of an upstream feed.

Entries are stored a batch at a time, in a fixed number of statements per batch: one
lookup of the items they may already be (by key or canonical URL), one insert of the
new ones (insert-or-nothing, should another refresh have stored one meanwhile), one
update of the changed ones. Within a batch the entries are still taken in order, as
if stored one by one: a second entry with the URL of a first one updates its item."""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import islice

import orjson
from sqlalchemy import or_, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from feeds.dates import utcnow
from feeds.model import Entry
from feeds.store.ids import item_id
from feeds.store.search import search_config
from feeds.store.tables import Channel, Item
from feeds.store.types import UTCDateTime

CONTENT_FIELDS = ("kind", "title", "summary", "body", "body_html", "image_url", "image_caption",
                  "categories", "tags", "url", "author", "language", "videos", "duration")
BATCH_SIZE = 500
# An unchanged item's last_seen is moved on at most this often, so that refreshing an
# unchanged feed writes nothing.
SEEN_EVERY = timedelta(days=1)


@dataclass
class Counts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.new or self.updated)


@dataclass
class _Known:
    """What a batch knows of one item, stored or about to be."""

    id: str
    url: str
    content_hash: str
    last_seen: datetime


class _Batch:
    """The items a batch's entries may be, found once; as each entry is taken in turn,
    what it changed (a new item, a new URL) is seen by the entries after it."""

    def __init__(self, rows):
        self.by_key: dict[str, _Known] = {}
        self.by_url: dict[str, list[_Known]] = {}
        for row in rows:
            self.add(row.key, _Known(row.id, row.url, row.content_hash, row.last_seen))
        self.inserts: dict[str, dict] = {}
        self.updates: dict[str, dict] = {}
        self.seen: list[str] = []

    def add(self, key: str, known: _Known) -> _Known:
        self.by_key.setdefault(key, known)
        if known.url:
            self.by_url.setdefault(known.url, []).append(known)
        return known

    def find(self, entry: Entry) -> _Known | None:
        """By key, else the first (by id) of the items with the entry's URL."""
        holders = self.by_url.get(entry.url) if entry.url else None
        return self.by_key.get(entry.key) or (min(holders, key=_by_id) if holders else None)

    def change(self, known: _Known, values: dict, now: datetime) -> None:
        if known.url != values["url"]:
            if known.url:
                self.by_url[known.url].remove(known)
            known.url = values["url"]
            if known.url:
                self.by_url.setdefault(known.url, []).append(known)
        known.content_hash = values["content_hash"]
        target = self.inserts.get(known.id) or self.updates.setdefault(known.id, {"id": known.id})
        target.update(values, last_seen=now)


def _by_id(known: _Known) -> str:
    return known.id


def upsert_entries(session: Session, channel_id: str, source_id: int | None,
                   entries: Iterable[Entry], now: datetime | None = None,
                   batch_size: int = BATCH_SIZE, progress: Callable[[int], None] | None = None) -> Counts:
    """Store ``entries`` (any iterable: a large feed can be streamed) in the session's
    transaction, a batch at a time; the caller commits. An entry whose key came
    before in ``entries`` is left out. ``progress``, when given, is called after each
    batch with the number of entries stored so far (new, updated and unchanged)."""
    now = now or utcnow()
    counts = Counts()
    session.flush()
    channel = session.get(Channel, channel_id)
    defaults = {"channel_id": channel_id, "source_id": source_id, "first_seen": now, "last_seen": now,
                "published": now, "published_offset": 0,
                "search_config": search_config(channel.language if channel else "")}
    unique = _first_of_each_key(entries)
    while batch := list(islice(unique, batch_size)):
        _store_batch(session, channel_id, batch, defaults, counts)
        if progress is not None:
            progress(counts.new + counts.updated + counts.unchanged)
    return counts


def _flat(video) -> dict:
    """``dataclasses.asdict`` of a dataclass of plain values, without its deep copies
    (a tenth of the time an item takes to store)."""
    return {name: getattr(video, name) for name in _field_names(type(video))}


@cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(field.name for field in fields(kind))


def _first_of_each_key(entries: Iterable[Entry]) -> Iterator[Entry]:
    seen: set[str] = set()
    for entry in entries:
        if entry.key not in seen:
            seen.add(entry.key)
            yield entry


def _store_batch(session: Session, channel_id: str, entries: list[Entry], defaults: dict,
                 counts: Counts) -> None:
    """``defaults``: a new item's columns that no entry gives (its date when undated)."""
    now = defaults["last_seen"]
    ids = {entry.key: item_id(channel_id, entry.key) for entry in entries}
    batch = _Batch(_lookup(session, channel_id, entries, ids))
    for entry in entries:
        values = item_values(entry)
        known = batch.find(entry)
        if known is None:
            new = batch.add(entry.key, _Known(ids[entry.key], entry.url, values["content_hash"], now))
            batch.inserts[new.id] = {"id": new.id, "key": entry.key, **values}
            counts.new += 1
        elif known.content_hash == values["content_hash"]:
            counts.unchanged += 1
            if known.last_seen < now - SEEN_EVERY:
                known.last_seen = now
                batch.seen.append(known.id)
        else:
            counts.updated += 1
            batch.change(known, values, now)
    _write(session, batch, defaults, counts)


def _lookup(session: Session, channel_id: str, entries: list[Entry], ids: dict[str, str]) -> list:
    """The stored items with an entry's key, or its URL, each once (``ids``: the id
    each entry's key gives)."""
    keys = [entry.key for entry in entries]
    urls = sorted({entry.url for entry in entries if entry.url})
    if session.get_bind().dialect.name == "postgresql":
        rows = _lookup_postgresql(session, channel_id, ids, urls)
    else:
        clauses = [Item.key.in_(keys), *([Item.url.in_(urls)] if urls else [])]
        rows = session.execute(select(Item.id, Item.key, Item.url, Item.content_hash, Item.last_seen)
                               .where(Item.channel_id == channel_id, or_(*clauses))).all()
    return list({row.id: row for row in rows}.values())


LOOKUP_BY_URL = """SELECT found.* FROM unnest(CAST(:urls AS varchar[])) AS wanted(url)
  CROSS JOIN LATERAL (SELECT id, key, url, content_hash, last_seen FROM items
                      WHERE channel_id = :channel AND url = wanted.url OFFSET 0) AS found"""


def _lookup_postgresql(session: Session, channel_id: str, ids: dict[str, str], urls: list[str]) -> list:
    """By primary key (an item's id derives from its channel and key), and one index
    probe per URL: during a large first import the statistics describe a channel far
    smaller than it has become, and a plain ``IN`` may then read the whole channel for
    every batch. (An item whose id was made otherwise is met at the insert.)"""
    sql = ("SELECT id, key, url, content_hash, last_seen FROM items "
           "WHERE id = ANY(CAST(:ids AS varchar[]))")
    if urls:
        sql += " UNION ALL " + LOOKUP_BY_URL
    rows = session.execute(text(sql).columns(last_seen=UTCDateTime()),
                           {"ids": list(ids.values()), "channel": channel_id, "urls": urls}).all()
    wanted_keys, wanted_urls = set(ids), set(urls)
    return [row for row in rows if row.key in wanted_keys or row.url in wanted_urls]


def _write(session: Session, batch: _Batch, defaults: dict, counts: Counts) -> None:
    now = defaults["last_seen"]
    stored = _insert(session, [{**defaults, **row} for row in batch.inserts.values()])
    for ident in batch.inserts.keys() - stored:
        _stored_meanwhile(session, defaults["channel_id"], batch.inserts[ident], batch, counts)
    if batch.updates:
        session.execute(update(Item), list(batch.updates.values()))
    if batch.seen:
        session.execute(update(Item), [{"id": ident, "last_seen": now} for ident in batch.seen])
    _forget(session, batch.updates.keys() | set(batch.seen))


def _insert(session: Session, rows: list[dict]) -> set[str]:
    """Insert ``rows``, none where the item exists; the ids inserted."""
    if not rows:
        return set()
    if session.get_bind().dialect.name == "postgresql":
        return _insert_postgresql(session, rows)
    return set(session.scalars(sqlite.insert(Item).on_conflict_do_nothing().returning(Item.id), rows))


def _insert_postgresql(session: Session, rows: list[dict]) -> set[str]:
    """The batch as one JSON parameter: a statement with a placeholder per value (30
    an item) costs the driver more to parse than PostgreSQL takes to insert. A
    column no row gives takes its default; times are written as the store keeps
    them, naive UTC (``UTCDateTime``)."""
    columns = list(Item.__table__.columns)
    names = ", ".join(f'"{column.name}"' for column in columns)
    filler = {column.name: _default(column) for column in columns}
    times = [column.name for column in columns if isinstance(column.type, UTCDateTime)]
    payload = orjson.dumps([_plain({**filler, **row}, times) for row in rows])
    return set(session.scalars(text(
        f"INSERT INTO items ({names}) SELECT {names} FROM json_populate_recordset("
        f"NULL::items, CAST(:rows AS json)) ON CONFLICT DO NOTHING RETURNING id"),
        {"rows": payload.decode()}))


def _plain(row: dict, times: list[str]) -> dict:
    """``row`` with its times as the store keeps them."""
    for name in times:
        if (value := row[name]) is not None:
            row[name] = value.astimezone(UTC).replace(tzinfo=None)
    return row


def _default(column):
    default = column.default
    if default is None:
        return None
    return default.arg(None) if default.is_callable else default.arg


def _stored_meanwhile(session: Session, channel_id: str, row: dict, batch: _Batch, counts: Counts) -> None:
    """An item with this key was there after all (stored by another transaction after
    the lookup, or under an id made otherwise): update it instead."""
    counts.new -= 1
    stored = session.execute(select(Item.id, Item.content_hash).where(
        Item.channel_id == channel_id, Item.key == row["key"])).first()
    if stored is None or stored.content_hash == row["content_hash"]:
        counts.unchanged += 1
        return
    counts.updated += 1
    changes = {name: value for name, value in row.items() if name not in ("id", "key")}
    batch.updates[stored.id] = {"id": stored.id, **changes}


def _forget(session: Session, ids: set[str]) -> None:
    """Items of the session written here behind its back are read again when used."""
    for item in list(session.identity_map.values()):
        if isinstance(item, Item) and item.id in ids:
            session.expire(item)


def find_item(session: Session, channel_id: str, entry: Entry) -> Item | None:
    clauses = [Item.key == entry.key]
    if entry.url:
        clauses.append(Item.url == entry.url)
    rows = session.scalars(
        select(Item).where(Item.channel_id == channel_id, or_(*clauses))).all()
    by_key = [row for row in rows if row.key == entry.key]
    return (by_key or sorted(rows, key=lambda row: row.id) or [None])[0]


def item_values(entry: Entry) -> dict:
    """The stored columns for an entry, with a hash of its content to spot changes.
    A validity window enters the hash only when there is one, so that items stored
    before windows were read do not all look changed.

    An entry without any date gets none here, so that an undated item keeps the time
    it was first seen instead of looking changed on every refresh."""
    values = {name: getattr(entry, name) for name in CONTENT_FIELDS}
    values["videos"] = [_flat(video) for video in entry.videos]
    published = entry.published or entry.updated
    if published is not None:
        values["published"] = published
        offset = published.utcoffset()
        values["published_offset"] = int(offset.total_seconds() // 60) if offset else 0
    values["updated"] = entry.updated
    values["content_hash"] = hashlib.sha256(
        orjson.dumps(values, option=orjson.OPT_SORT_KEYS)).hexdigest()
    if entry.valid_from or entry.valid_until:
        values["content_hash"] = hashlib.sha256(orjson.dumps(
            [values["content_hash"], entry.valid_from, entry.valid_until])).hexdigest()
    values["valid_from"], values["valid_until"] = entry.valid_from, entry.valid_until
    return values
