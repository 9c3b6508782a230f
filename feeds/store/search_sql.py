"""The search on each store: the ranked window's matches, the older matches after it,
the snippets. What goes into a cursor is plain JSON.

PostgreSQL ranks with ``ts_rank_cd`` over the weighted vector (title A, summary B,
body C). SQLite ranks by where the query matches as a whole (in the title 4, in the
summary 2, anywhere 1): not ``bm25``, which depends on the whole index's statistics,
so that the order of a window already shown, and with it the cursor, would shift as
items arrive."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, bindparam, cast, func, literal, literal_column, null, select, text, tuple_
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION, REGCONFIG, TSQUERY
from sqlalchemy.orm import Session

from feeds.store.paging import SHORT, BadCursor, moment
from feeds.store.search_query import Query, probes, to_fts5_text, to_tsquery_text, without_exclusions
from feeds.store.tables import Item, ItemSection
from feeds.store.types import UTCDateTime

SNIPPET_BEFORE, SNIPPET_LENGTH = 150, 400
HEADLINE = "StartSel=\x02, StopSel=\x03, MaxWords=30, MinWords=12"
SQLITE_SCORES = (("title", 4), ("summary", 2))  # and 1 for matching at all


@dataclass(frozen=True)
class Hit:
    """An item of the ranked window: ``rank`` is None when it holds the words but the
    whole query does not match (a phrase, an exclusion); ``mark`` places it in the
    window's own order (the window's lower edge is the mark of its oldest item)."""

    rank: float | None
    published: datetime
    id: str
    mark: object

    def order(self) -> tuple:
        return self.rank, self.published, self.id

    @property
    def key(self) -> list:
        return [self.rank, self.published.isoformat(), self.id]


def _in_category(channel_id: str, category: str) -> list:
    if not category:
        return []
    return [Item.id.in_(select(ItemSection.item_id).where(
        ItemSection.channel_id == channel_id, ItemSection.category == category[:200]))]


def _checked_key(key, number: type) -> list:
    if not (isinstance(key, list) and len(key) == 3 and isinstance(key[0], number)
            and not isinstance(key[0], bool) and isinstance(key[2], str)):
        raise BadCursor("cursor is not valid")
    return [key[0], moment(key[1]).isoformat(), key[2]]


class PostgresFinder:
    """The query's text and configuration are written into the SQL rather than bound,
    so that PostgreSQL plans each search for its own words (a GIN lookup for a rare
    word, a walk of the newest items for a common one), never one generic plan.

    The window is taken from the candidates the GIN index answers exactly (every
    wanted word, phrases as plain words, exclusions left out); the whole query, which
    needs each item's positions, is then checked on the window's items only."""

    def __init__(self, session: Session, channel_id: str, query: Query, config: str,
                 category: str = ""):
        self.session = session
        self.config = cast(bindparam("config", f"channel_{config}", literal_execute=True), REGCONFIG)
        self.tsquery = self._tsquery("tsquery", query)
        candidates = func.regexp_replace(cast(self._tsquery("candidates", without_exclusions(query)),
                                              String), "<(-|[0-9]+)>", "&", "g")
        self.candidates = cast(candidates, TSQUERY)
        self.vector = literal_column("items.search_vector")
        self.where = [Item.channel_id == channel_id, Item.hidden.is_(False),
                      self.vector.op("@@")(self.candidates), *_in_category(channel_id, category)]
        self.newest = (Item.published.desc(), Item.id.desc())
        self.probes = probes(query)

    def _tsquery(self, name: str, query: Query):
        return func.to_tsquery(self.config, bindparam(name, to_tsquery_text(query), type_=String,
                                                      literal_execute=True))

    def checked(self, floor, tail: bool, key) -> tuple:
        floor = None if floor is None else _published_id(floor)
        if tail:
            return floor, True, _published_id(key)
        return floor, False, None if key is None else _checked_key(key, (int, float))

    def window(self, floor, limit: int | None) -> list[Hit]:
        """The newest ``limit`` candidates, or every candidate from ``floor`` on, each
        with whether the whole query matches it and its rank; newest first."""
        inner = select(Item.id, Item.published, self.vector.label("vector")).where(*self.where)
        if floor is not None:
            inner = inner.where(~self._before(floor))
        if limit:
            inner = inner.order_by(*self.newest).limit(limit)
        found = inner.subquery()
        rank = cast(func.ts_rank_cd(found.c.vector, self.tsquery), DOUBLE_PRECISION)
        matched = found.c.vector.op("@@")(self.tsquery)
        rows = self.session.execute(select(found.c.id, found.c.published, matched, rank))
        hits = [Hit(rank if matched else None, published, ident, [published.isoformat(), ident])
                for ident, published, matched, rank in rows]
        return sorted(hits, key=lambda hit: (hit.published, hit.id), reverse=True)

    def tail(self, floor, after, limit: int) -> list[tuple[str, list]]:
        where = [*self.where, self.vector.op("@@")(self.tsquery), self._before(floor)]
        if after is not None:
            where.append(self._before(after))
        rows = self.session.execute(select(Item.id, Item.published).where(*where)
                                    .order_by(*self.newest).limit(limit))
        return [(ident, [published.isoformat(), ident]) for ident, published in rows]

    @staticmethod
    def _before(mark: list):
        return tuple_(Item.published, Item.id) < tuple_(literal(moment(mark[0]), UTCDateTime()),
                                                        literal(mark[1], String()))

    def fetch(self, ids: list[str]) -> tuple[dict[str, Item], dict[str, str]]:
        """The items, and their snippets in the same query: ``ts_headline`` over the
        title, the summary and the part of the body around the first place a wanted
        word seems to be (the whole body would cost a parse of every article)."""
        body = func.channel_body_text(Item.body)
        folded = func.lower(func.unaccent(body))
        first = func.least(*[func.nullif(func.strpos(folded, probe), 0) for probe in self.probes]
                           ) if self.probes else null()
        start = func.greatest(func.coalesce(first, 1) - SNIPPET_BEFORE, 1)
        source = func.concat_ws(" — ", func.nullif(Item.title, ""), func.nullif(Item.summary, ""),
                                func.substr(body, start, SNIPPET_LENGTH))
        headline = func.ts_headline(self.config, source, self.tsquery, HEADLINE)
        rows = self.session.execute(select(Item, headline).options(*SHORT).where(Item.id.in_(ids))).all()
        return {item.id: item for item, _ in rows}, {item.id: snippet for item, snippet in rows}


def _published_id(value) -> list:
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[1], str)):
        raise BadCursor("cursor is not valid")
    return [moment(value[0]).isoformat(), value[1]]


class SqliteFinder:
    """FTS5 first (``CROSS JOIN`` keeps SQLite from walking the items and asking the
    index once per item), the window by arrival order (the FTS rowid)."""

    MATCHES = ("FROM items_fts CROSS JOIN items AS i ON i.rowid = items_fts.rowid "
               "WHERE items_fts MATCH :q ")

    def __init__(self, session: Session, channel_id: str, query: Query, category: str = ""):
        self.session = session
        self.params = {"q": to_fts5_text(query), "channel": channel_id, "category": category[:200],
                       **{column: to_fts5_text(query, column) for column, _ in SQLITE_SCORES}}
        self.filter = "AND i.channel_id = :channel AND NOT i.hidden " + (
            "AND i.id IN (SELECT item_id FROM item_sections WHERE channel_id = :channel "
            "AND category = :category) " if category else "")
        self.rowids: dict[str, int] = {}

    def checked(self, floor, tail: bool, key) -> tuple:
        if floor is not None and not _whole(floor):
            raise BadCursor("cursor is not valid")
        if tail:
            if floor is None or not _whole(key):
                raise BadCursor("cursor is not valid")
            return floor, True, key
        return floor, False, None if key is None else _checked_key(key, int)

    def window(self, floor, limit: int | None) -> list[Hit]:
        rows = self.session.execute(text(
            f"SELECT items_fts.rowid AS rid, i.id AS id, i.published AS published {self.MATCHES} "
            f"AND items_fts.rowid >= :floor {self.filter} ORDER BY items_fts.rowid DESC"
            + (" LIMIT :limit" if limit else "")).columns(published=UTCDateTime()),
            {**self.params, "floor": floor or 0, "limit": limit}).all()
        self.rowids.update((row.id, row.rid) for row in rows)
        scores: Counter = Counter({row.rid: 1 for row in rows})
        for column, weight in SQLITE_SCORES:
            for rowid in self.session.scalars(text(
                    "SELECT rowid FROM items_fts WHERE items_fts MATCH :q AND rowid >= :low"),
                    {"q": self.params[column], "low": rows[-1].rid if rows else 0}):
                scores[rowid] += weight
        return [Hit(scores[row.rid], row.published, row.id, row.rid) for row in rows]

    def tail(self, floor, after, limit: int) -> list[tuple[str, int]]:
        bound = "AND items_fts.rowid < :after " if after is not None else ""
        rows = self.session.execute(text(
            f"SELECT i.id AS id, items_fts.rowid AS rid {self.MATCHES} AND items_fts.rowid < :floor "
            f"{bound}{self.filter} ORDER BY items_fts.rowid DESC LIMIT :limit"),
            {**self.params, "floor": floor, "after": after, "limit": limit}).all()
        self.rowids.update((row.id, row.rid) for row in rows)
        return [(row.id, row.rid) for row in rows]

    def fetch(self, ids: list[str]) -> tuple[dict[str, Item], dict[str, str]]:
        """The items, and their snippets: FTS5's ``snippet`` over the page's range of
        rowids, the page's rows picked by a plain filter (``+rowid``), for FTS5 looks a
        list of rowids up one by one, re-reading a prefix's whole doclist each time."""
        items = {item.id: item for item in self.session.scalars(
            select(Item).options(*SHORT).where(Item.id.in_(ids)))}
        rowids = {self.rowids[ident]: ident for ident in ids}
        if not rowids:
            return items, {}
        rows = self.session.execute(text(
            "SELECT rowid, snippet(items_fts, -1, char(2), char(3), '…', 24) FROM items_fts "
            "WHERE items_fts MATCH :q AND rowid BETWEEN :low AND :high AND +rowid IN :rowids"
        ).bindparams(bindparam("rowids", expanding=True)),
            {"q": self.params["q"], "low": min(rowids), "high": max(rowids), "rowids": list(rowids)})
        return items, {rowids[rowid]: snippet for rowid, snippet in rows}


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def rebuild_fts(session: Session) -> None:
    """Empty the FTS5 index and fill it again from the items (FTS5's own 'rebuild'
    cannot read the view that turns the body into text)."""
    session.execute(text("INSERT INTO items_fts (items_fts) VALUES ('delete-all')"))
    session.execute(text("INSERT INTO items_fts (rowid, title, summary, body) "
                         "SELECT rid, title, summary, body FROM items_search"))
