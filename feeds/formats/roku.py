"""The Roku JSON feed (Direct Publisher shape, see ROKU_FEED.md) of one channel.

Every item with a video becomes a short-form video, a movie, a TV special or an
episode of a series, as its source declares (``feeds.formats.roku_items`` makes each);
live sources become live feeds. Text-only articles stay out. An item that cannot
be made valid is left out with the reason, and so are the oldest items when the
feed would pass its size budget.

A publish rebuilds the whole feed, but between two publishes almost every item is
unchanged: what each item made is kept (``feeds.formats.roku_cache``), and the feed is
written from the bytes kept for each item, so a build's own work per unchanged
item is a look-up, a sort and a copy.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from operator import itemgetter

import orjson

from feeds.dates import utc_iso
from feeds.formats.budget import DEFAULT_BUDGET, Budget, Cost, over_budget_reason
from feeds.formats.languages import roku_language
from feeds.formats.renditions import is_url
from feeds.formats.roku_cache import CACHE, ItemCache, Made
from feeds.formats.roku_doc import (
    LISTS,
    Plan,
    Row,
    assemble,
    episode_numbers,
    item_bytes,
    item_fields,
    skeleton,
)
from feeds.formats.roku_items import GENRES, SHORT_FORM, ItemMaker, Shape, series_description, series_id
from feeds.gcpause import collector_paused
from feeds.store.editorial import configured_rows
from feeds.store.tables import Channel, Item, Source

__all__ = ["GENRES", "LISTS", "Playable", "RokuBuild", "RokuBuilder", "Shape", "build_roku_feed",
           "roku_language", "series_id", "source_shapes"]



@dataclass(slots=True)
class Playable:
    """One item made valid for Roku: ``fields`` is its Roku object, ``kind`` the
    feed list it belongs to (episodes: ``series``)."""

    item: Item
    kind: str
    fields: dict
    series: str = ""

    @property
    def id(self) -> str:
        return self.fields["id"]

    @property
    def media_type(self) -> str:
        return "episode" if self.series else LISTS[self.kind]


@dataclass
class RokuBuild:
    """A built feed: every item made valid (``rows``, newest first), those the feed
    carries (all of them unless a budget cut it) and the document, as bytes and (on
    demand) as dicts. ``playables`` and ``carried`` are the same items as objects,
    made on demand for the other formats."""

    head: dict
    rows: list[Row]
    carried_rows: list[Row]
    numbers: dict[str, int]
    series: dict[str, dict]
    left_out: list[tuple[str, str]] = field(default_factory=list)
    text_only: int = 0
    body: bytes | None = None
    plan: Plan = field(default_factory=Plan)

    @cached_property
    def playables(self) -> list[Playable]:
        return [self._playable(row) for row in self.rows]

    @cached_property
    def carried(self) -> list[Playable]:
        if len(self.carried_rows) == len(self.rows):
            return self.playables
        ids = {row[1] for row in self.carried_rows}
        return [p for p in self.playables if p.id in ids]

    @cached_property
    def doc(self) -> dict:
        return assemble(self.head, self.carried_rows, self.numbers, self.series, plan=self.plan)

    def to_bytes(self) -> bytes:
        """``orjson.dumps(self.doc)``, written from each item's bytes."""
        if self.body is None:
            self.body = orjson.dumps(assemble(self.head, self.carried_rows, self.numbers,
                                              self.series, raw=True, plan=self.plan))
        return self.body

    def find(self, content_id: str) -> tuple[str, dict] | None:
        """(mediaType, Roku object) of the item or series with this id, if carried."""
        for series in self.doc.get("series", []):
            if series["id"] == content_id:
                return "series", series
        for playable in self.carried:
            if playable.id == content_id:
                return playable.media_type, playable.fields
        return None

    def _playable(self, row: Row) -> Playable:
        _, ident, made, item = row
        return Playable(item, made.kind, item_fields(made, self.numbers), made.series)


@dataclass(slots=True)
class Scan:
    """What a build found in the items: ``rows`` (newest first), (id, why) of those
    ``left_out``, the ``episodes`` (newest first) with their source's shape, the
    newest ``updated`` time, how many were text-only and the ``pins`` in force."""

    rows: list[Row]
    left_out: list[tuple[str, str]]
    episodes: list[tuple[Row, Shape]]
    updated: datetime | None
    text_only: int
    pins: dict[str, datetime]


class RokuBuilder:
    """Builds a channel's feed. With a ``cache``, it reuses what an earlier build made
    of each unchanged item and replaces the channel's entries with this build's: give
    it one only to build every item of the channel (a publish), not some of them."""

    def __init__(self, channel: Channel, shapes: dict[int | None, Shape] | None = None,
                 now: datetime | None = None, cache: ItemCache | None = None):
        self.channel = channel
        self.shapes = shapes or {}
        self.now = now or datetime.now(timezone.utc)
        self.maker = ItemMaker(channel)
        self.cache = cache

    @property
    def setting(self) -> tuple:
        return self.maker.setting

    def build(self, items: list[Item], budget: int | None = DEFAULT_BUDGET) -> RokuBuild:
        with collector_paused():
            return self._build(items, budget)

    def _build(self, items: list[Item], budget: int | None) -> RokuBuild:
        scan = self.scan(items)
        rows = scan.rows
        newest = max(filter(None, (scan.updated, rows[0][0] if rows else None)), default=self.now)
        head = {"providerName": self.channel.provider_name or self.channel.title or self.channel.id,
                "lastUpdated": utc_iso(newest), "language": roku_language(self.channel.language)}
        rows_setting = configured_rows(self.channel)
        plan = Plan(None if rows_setting is None else tuple(rows_setting), scan.pins)
        build = RokuBuild(head, rows, rows, episode_numbers([row for row, _ in scan.episodes]),
                          self.series_shells(scan.episodes), scan.left_out, scan.text_only, plan=plan)
        return build if budget is None else self.within(budget, build)

    def scan(self, items: list[Item]) -> Scan:
        """Each item made (or taken from the cache), in one pass that reads only what
        it must of an unchanged item.

        The cache's key for an item is its content hash (every stored content field),
        its publication time (an undated entry's is not in the hash), its source's
        shape and the stamp of what the workers made of its media. Without a content hash (items not stored through ``feeds.store.items``)
        nothing says the content is the same, so it is made again. Pins are read
        here, at ``now``, never kept with what an item made."""
        previous = self.cache.previous(self.channel.id, self.setting) if self.cache else {}
        current: dict[str, Made] = {}
        shape_of, make = self.shapes.get, self.maker.make
        rows: list[Row] = []
        bad: list[tuple[datetime, str, str]] = []
        episodes: list[tuple[Row, Shape]] = []
        newest: datetime | None = None
        pins: dict[str, datetime] = {}
        text_only = 0
        for item in items:
            try:
                values = read_columns(item.__dict__)
            except KeyError:
                values = columns(item)
            ident, kind, videos, source_id, digest, published, updated, pinned_at, media = values
            if not videos and kind != "live":
                text_only += 1
                continue
            shape = shape_of(source_id, SHORT_FORM)
            key = (digest, published, shape, media.stamp if media is not None else "")
            made = previous.get(ident)
            if made is None or made.key != key or not digest:
                made = make(item, shape)
                made.key = key
            if digest:
                current[ident] = made
            if made.reason:
                bad.append((published, ident, made.reason))
                continue
            row = (published, ident, made, item)
            rows.append(row)
            if pinned_at is not None and item.pinned(self.now):
                pins[ident] = pinned_at
            if made.series:
                episodes.append((row, shape))
            if updated is not None and (newest is None or updated > newest):
                newest = updated
        if self.cache is not None:
            self.cache.replace(self.channel.id, self.setting, current)
        rows.sort(reverse=True)
        bad.sort(key=newest_first, reverse=True)
        episodes.sort(key=lambda pair: newest_first(pair[0]), reverse=True)
        return Scan(rows, [(ident, reason) for _, ident, reason in bad], episodes, newest, text_only, pins)

    def series_shells(self, episodes: list[tuple[Row, Shape]]) -> dict[str, dict]:
        """Each series without its episodes: named by its source, shown by its newest
        episode's thumbnail unless the source has one, dated by its first episode."""
        by_series: dict[str, list[tuple[Row, Shape]]] = {}
        for pair in episodes:
            by_series.setdefault(pair[0][2].series, []).append(pair)
        shells = {}
        for ident, pairs in by_series.items():
            shape = pairs[0][1]
            newest, oldest = pairs[0][0][2].fields, pairs[-1][0][2].fields
            shells[ident] = {"id": ident, "title": shape.series, "genres": GENRES,
                             "thumbnail": shape.thumbnail if is_url(shape.thumbnail) else newest["thumbnail"],
                             "releaseDate": oldest["releaseDate"],
                             "shortDescription": series_description(shape)}
        return shells

    def within(self, budget: int, build: RokuBuild) -> RokuBuild:
        """``build`` cut to the newest items that fit in ``budget`` bytes, pinned
        items first."""
        sizer = Budget(budget)
        fixed = len(orjson.dumps(skeleton(build.head, build.rows, build.plan)))
        shells = {ident: len(orjson.dumps(shell)) + 2 * (len(ident) + 3) + 48
                  for ident, shell in build.series.items()}
        order = budget_order(build.rows, build.plan.pins)
        costs = [cost(build.rows[i], build.numbers, shells) for i in order]
        while True:
            kept = [False] * len(order)
            for index, keep in zip(order, sizer.fit(fixed, costs)):
                kept[index] = keep
            carried = [row for row, keep in zip(build.rows, kept) if keep]
            body = orjson.dumps(assemble(build.head, carried, build.numbers, build.series, raw=True,
                                         plan=build.plan))
            if sizer.holds(len(body)) or not carried:
                break
            sizer.shrink(len(body))
        reason = over_budget_reason(budget)
        build.left_out += [(row[1], reason) for row, keep in zip(build.rows, kept) if not keep]
        build.carried_rows = carried
        build.body = body
        return build


COLUMNS = ("id", "kind", "videos", "source_id", "content_hash", "published", "updated", "pinned_at",
           "media")
read_columns = itemgetter(*COLUMNS)
"""The ``COLUMNS`` a build reads for every item, cached or not, from the values
SQLAlchemy keeps in an instance's ``__dict__``: going through its attribute
descriptors, a Python call per read, would be most of a cached build's time.
Raises ``KeyError`` when one is not loaded (expired, deferred): see ``columns``."""


newest_first = itemgetter(0, 1)
"""The order of rows, (published, id), as a key. The rows themselves sort faster
by their own tuples, which hold the same order (see ``Made.__lt__``)."""


def columns(item: Item) -> tuple:
    """The item's ``COLUMNS``, loading any that are not."""
    return tuple(getattr(item, name) for name in COLUMNS)


def budget_order(rows: list[Row], pins: dict[str, datetime]) -> list[int]:
    """The rows' indexes in the order the budget keeps them: pinned, then newest."""
    return sorted(range(len(rows)), key=lambda i: rows[i][1] not in pins)


def cost(row: Row, numbers: dict[str, int], shells: dict[str, int]) -> Cost:
    """An item's own size, its places in two playlists, and for an episode its
    series without episodes, paid by the first episode carried."""
    made = row[2]
    size = len(item_bytes(made, numbers)) + 1
    if made.series:
        return Cost(size, made.series, shells[made.series])
    if made.kind == "liveFeeds":
        return Cost(size)
    return Cost(size + 2 * (len(row[1]) + 3))


def source_shapes(sources: list[Source]) -> dict[int | None, Shape]:
    return {source.id: Shape.of(source) for source in sources}


def build_roku_feed(channel: Channel, items: list[Item], now: datetime | None = None,
                    shapes: dict[int | None, Shape] | None = None,
                    budget: int | None = DEFAULT_BUDGET,
                    cache: ItemCache | None = CACHE) -> RokuBuild:
    """The feed of every item of the channel (``items``), reusing this process's
    ``cache`` of what its last build made of each item."""
    return RokuBuilder(channel, shapes, now, cache).build(items, budget)
