"""Searching a channel's items: ranked, paged with a cursor, with a highlighted snippet.

Ranking every match of a common word costs time in proportion to the catalogue, so
the ranking is done over a window: the ``RANK_WINDOW`` newest items holding the
query's words (newest by publication on PostgreSQL, by arrival on SQLite); its matches
come most relevant first, newest first among equals, then the older matches follow,
newest first. The first page fixes the window's lower edge in the cursor, so that the
pages after it neither repeat nor skip an item while new items arrive (a new match
joins the window: it shows on a new search, or further down this one if it ranks
below the cursor)."""
from __future__ import annotations

import hashlib
import html
import re

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from feeds.dates import utcnow
from feeds.store import search_sql
from feeds.store.paging import BadCursor, Page, moment, pack, unpack
from feeds.store.search_query import parse
from feeds.store.tables import Channel, ItemSection

RANK_WINDOW = 200
MARK_START, MARK_END = "\x02", "\x03"
STEMMERS = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "da": "danish",
    "nl": "dutch", "en": "english", "fi": "finnish", "fr": "french", "de": "german",
    "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian",
    "nn": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}


def search_config(language: str) -> str:
    """The text search configuration for a language tag (``en-GB`` -> ``english``);
    ``simple`` (no stemming) when there is none for it."""
    code = (language or "").replace("_", "-").split("-")[0].lower()
    return STEMMERS.get(code, "simple")


def search_items(session: Session, channel_id: str, query_text: str, *, category: str = "",
                 limit: int = 20, cursor: str = "") -> Page:
    """A page of the channel's visible items matching ``query_text`` (in ``category``
    when given): the ranked window first, then the older matches."""
    query = parse(query_text)
    if query is None:
        return Page([], None)
    finder = _finder(session, channel_id, query, category)
    tag = _tag(query_text, category)
    floor, tail, after = finder.checked(*_decode(cursor, tag)) if cursor else (None, False, None)
    chosen: list[tuple[str, bool, object]] = []  # (item id, past the window, cursor key)
    if not tail:
        hits = finder.window(floor, None if cursor else RANK_WINDOW)
        if not cursor and len(hits) >= RANK_WINDOW:
            floor = hits[-1].mark
        matches = [hit for hit in hits if hit.rank is not None]
        chosen = [(hit.id, False, hit.key) for hit in _ranked(matches, after)[:limit + 1]]
        after = None
    if len(chosen) <= limit and floor is not None:
        chosen += [(ident, True, mark) for ident, mark in finder.tail(floor, after, limit + 1 - len(chosen))]
    more, chosen = len(chosen) > limit, chosen[:limit]
    found, snippets = finder.fetch([ident for ident, _, _ in chosen]) if chosen else ({}, {})
    now = utcnow()
    items = [found[ident] for ident, _, _ in chosen if ident in found and found[ident].showing(now)]
    next_cursor = _encode(tag, floor, chosen[-1][1], chosen[-1][2]) if more and chosen else None
    return Page(items, next_cursor, {ident: _clean(value) for ident, value in snippets.items()})


def _ranked(hits: list[search_sql.Hit], after) -> list[search_sql.Hit]:
    """Most relevant first, newest first among equals; after the cursor's hit."""
    ordered = sorted(hits, key=search_sql.Hit.order, reverse=True)
    if after is None:
        return ordered
    last = (after[0], moment(after[1]), after[2])
    return [hit for hit in ordered if hit.order() < last]


def _finder(session: Session, channel_id: str, query, category: str):
    """PostgreSQL searches in the channel's language (the items were indexed in it)."""
    if session.get_bind().dialect.name == "postgresql":
        channel = session.get(Channel, channel_id)  # the caller has usually loaded it
        language = channel.language if channel is not None else ""
        return search_sql.PostgresFinder(session, channel_id, query, search_config(language), category)
    return search_sql.SqliteFinder(session, channel_id, query, category)


def _tag(query_text: str, category: str) -> str:
    return hashlib.sha256(f"{query_text}\n{category}".encode()).hexdigest()[:12]


def _encode(tag: str, floor, tail: bool, key) -> str:
    return pack({"s": tag, "f": floor, "t": tail, "k": key})


def _decode(cursor: str, tag: str) -> tuple[object, bool, object]:
    data = unpack(cursor)
    if not isinstance(data, dict) or data.get("s") != tag or not isinstance(data.get("t"), bool):
        raise BadCursor("cursor is not valid (or was made for another search)")
    return data.get("f"), data["t"], data.get("k")


def _clean(snippet: str | None) -> str:
    """Escaped text with the matched words in ``<mark>``, whitespace collapsed."""
    escaped = html.escape(re.sub(r"\s+", " ", snippet or "").strip())
    return escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def rebuild(session: Session, channel_id: str | None = None) -> int:
    """Index the channel's items (every channel's when None) again, from the items
    as stored, with each channel's language; the number of items reindexed. The
    caller commits. On SQLite the FTS5 index is rebuilt whole."""
    channels = session.scalars(select(Channel).where(
        Channel.id == channel_id) if channel_id else select(Channel)).all()
    postgres = session.get_bind().dialect.name == "postgresql"
    total = 0
    for channel in channels:
        # On PostgreSQL, an emptied vector is made again by the store's trigger.
        total += session.execute(text(REINDEX[postgres]), {"config": search_config(channel.language),
                                                           "channel": channel.id}).rowcount
        session.execute(ItemSection.__table__.delete().where(ItemSection.channel_id == channel.id))
        session.execute(text(SECTIONS[postgres]), {"channel": channel.id})
    if not postgres:
        search_sql.rebuild_fts(session)
    return total


def follow_language(session: Session, channel: Channel) -> int:
    """Index the channel's items in its language's configuration, in the caller's
    transaction: called when the language changes, so that the items and the search
    (which reads the language to parse a query) change together. The number of items
    reindexed: those indexed in another configuration (none when the new language
    stems as the old one did).

    On PostgreSQL each of them has its vector made again (by the store's trigger),
    as ``channel search rebuild --channel`` would: about as long as storing the
    channel's items took (several seconds for 20,000), in the request or command that
    changed the language. Done at once rather than left to a worker, because a search
    parses its query in the channel's language as soon as it changes: items left in
    the old one would not be found (an English "running" is stored as "run", which a
    query in ``simple`` does not ask for). SQLite's FTS5 does not stem by language;
    the items' ``search_config`` is kept true there too."""
    session.flush()
    return session.execute(text("UPDATE items SET search_config = :config "
                                "WHERE channel_id = :channel AND search_config <> :config"),
                           {"config": search_config(channel.language), "channel": channel.id}).rowcount


REINDEX = {
    False: "UPDATE items SET search_config = :config WHERE channel_id = :channel",
    True: "UPDATE items SET search_config = :config, search_vector = NULL WHERE channel_id = :channel",
}

SECTIONS = {
    False: "INSERT OR IGNORE INTO item_sections (item_id, category, channel_id, published) "
           "SELECT items.id, substr(value, 1, 200), items.channel_id, items.published "
           "FROM items, json_each(items.categories) WHERE items.channel_id = :channel "
           "AND json_type(items.categories) = 'array'",
    True: "INSERT INTO item_sections (item_id, category, channel_id, published) "
          "SELECT DISTINCT items.id, left(part, 200), items.channel_id, items.published "
          "FROM items, json_array_elements_text(CASE WHEN json_typeof(items.categories) = 'array' "
          "THEN items.categories ELSE '[]'::json END) AS parts(part) "
          "WHERE items.channel_id = :channel ON CONFLICT DO NOTHING",
}
