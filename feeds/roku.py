"""The Roku JSON feed (Direct Publisher shape, see ROKU_FEED.md) of one channel.

Every item with a video becomes a short-form video, a movie, a TV special or an
episode of a series, as its source declares; live sources become live feeds.
Text-only articles stay out. An item that cannot be made valid is left out with
the reason, and so are the oldest items when the feed would pass its size budget.
"""
from __future__ import annotations

import contextlib
import gc
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

import orjson

from feeds.budget import DEFAULT_BUDGET, Budget, Cost, over_budget_reason
from feeds.dates import utc_iso
from feeds.ids import item_id
from feeds.renditions import is_url, roku_videos
from feeds.roku_cache import CACHE, ItemCache, Made
from feeds.tables import Channel, Item, Source
from feeds.text import cut, lead, shorten

SHORT_LIMIT = 200
LONG_LIMIT = 500
TAG_LIMIT = 20
MAX_TAGS = 10
PLAYLIST_LENGTH = 50
MAX_SECTIONS = 30
PLAYLIST_NAME_LIMIT = 20
LATEST = "Latest"
GENRES = ["news"]
LISTS = {"shortFormVideos": "shortFormVideo", "movies": "movie", "tvSpecials": "tvSpecial",
         "series": "series", "liveFeeds": "liveFeed"}
LANGUAGE = re.compile(r"[a-z]{2,3}(-([A-Za-z]{2}|[0-9]{3}))?")


def roku_language(language: str | None) -> str:
    code = (language or "").strip().replace("_", "-")
    head, _, region = code.partition("-")
    code = head.lower() + (f"-{region}" if region else "")
    return code if LANGUAGE.fullmatch(code) else "en"


def series_id(channel_id: str, name: str) -> str:
    return "s" + item_id(channel_id, "series:" + name)


@dataclass(frozen=True)
class Shape:
    """How a source's videos appear on Roku, from its ``options``:
    ``{"roku_type": "movies"}``, ``{"roku_type": "tvSpecials"}`` or
    ``{"roku_type": "series", "series": "Weekly Review", "seasons": true}``
    (seasons by year of release). Anything else: short-form videos."""

    roku_type: str = "shortFormVideos"
    series: str = ""
    seasons: bool = False
    description: str = ""
    thumbnail: str = ""

    @classmethod
    def of(cls, source: Source) -> "Shape":
        options = source.options if isinstance(source.options, dict) else {}
        kind = options.get("roku_type")
        if kind not in ("movies", "tvSpecials", "series"):
            return cls()
        name = " ".join(str(options.get("series") or source.title or "Series").split())
        return cls(roku_type=kind, series=name if kind == "series" else "",
                   seasons=kind == "series" and bool(options.get("seasons")),
                   description=source.description or "", thumbnail=source.thumbnail or "")


SHORT_FORM = Shape()


@dataclass(slots=True)
class Playable:
    """One item made valid for Roku: ``fields`` is its Roku object, ``kind`` the
    feed list it belongs to (episodes: ``series``), ``section`` its playlist."""

    item: Item
    kind: str
    fields: dict
    series: str = ""
    season: int | None = None
    made: Made | None = None
    section: str = ""

    @property
    def id(self) -> str:
        return self.fields["id"]

    @property
    def media_type(self) -> str:
        return "episode" if self.series else LISTS[self.kind]

    def to_bytes(self) -> bytes:
        """``orjson.dumps(self.fields)``, from the bytes kept with what was made."""
        if self.made is None:
            return orjson.dumps(self.fields)
        body = self.made.to_bytes()
        if not self.series:
            return body
        return body[:-1] + b',"episodeNumber":%d}' % self.fields["episodeNumber"]




@dataclass
class RokuBuild:
    doc: dict
    playables: list[Playable]
    carried: list[Playable]
    series: dict[str, dict]
    left_out: list[tuple[str, str]] = field(default_factory=list)
    text_only: int = 0
    body: bytes | None = None
    raw: Callable[[], dict] | None = None

    def to_bytes(self) -> bytes:
        """``orjson.dumps(self.doc)``, from the document with each item's object as
        its bytes (see ``RokuBuilder.assemble``) when there is one."""
        if self.body is None:
            self.body = orjson.dumps(self.raw() if self.raw else self.doc)
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


def descriptions(item: Item) -> dict:
    """shortDescription from the summary (else the body, else the title) and a
    longDescription from the body (else the summary) when it says more."""
    summary = lead([item.summary or ""], LONG_LIMIT)
    body = lead(item.body or [], LONG_LIMIT)
    short = cut(summary or body or lead([item.title or ""], SHORT_LIMIT), SHORT_LIMIT)
    out = {"shortDescription": short}
    long = cut(body or summary, LONG_LIMIT)
    if long and long != short:
        out["longDescription"] = long
    return out


class RokuBuilder:
    """Builds a channel's feed. With a ``cache``, it reuses what an earlier build made
    of each unchanged item and replaces the channel's entries with this build's: give
    it one only to build every item of the channel (a publish), not some of them."""

    def __init__(self, channel: Channel, shapes: dict[int | None, Shape] | None = None,
                 now: datetime | None = None, cache: ItemCache | None = None):
        self.channel = channel
        self.shapes = shapes or {}
        self.now = now or datetime.now(timezone.utc)
        self.zone = _zone(channel.timezone)
        self.default_thumbnail = channel.default_thumbnail if is_url(channel.default_thumbnail) else ""
        self.cache = cache

    @property
    def setting(self) -> tuple:
        """The channel's part in an item's object (besides its id, in series ids)."""
        return (self.zone.key, self.default_thumbnail)

    def build(self, items: list[Item], budget: int | None = DEFAULT_BUDGET) -> RokuBuild:
        with _collector_paused():
            return self._build(items, budget)

    def _build(self, items: list[Item], budget: int | None) -> RokuBuild:
        self.left_out: list[tuple[str, str]] = []
        self.text_only = 0
        self.series_shapes: dict[str, Shape] = {}
        self.previous = self.cache.previous(self.channel.id, self.setting) if self.cache else {}
        self.current: dict[str, Made] = {}
        rows = sorted(((columns(item), item) for item in items), key=newest_first, reverse=True)
        kept = [(values, p) for values, item in rows if (p := self.playable(values, item))]
        if self.cache is not None:
            self.cache.replace(self.channel.id, self.setting, self.current)
        playables = [p for _, p in kept]
        number_episodes(playables)
        series = {ident: self.series_shell(ident, playables) for ident in self.series_shapes}
        head = self.head([values for values, _ in kept])
        if budget is None:
            sections = self.sections(playables)
            raw = partial(self.assemble, head, playables, series, sections=sections, raw=True)
            return RokuBuild(self.assemble(head, playables, series, sections=sections), playables,
                             playables, series, self.left_out, self.text_only, raw=raw)
        return self.within(budget, head, playables, series)

    def head(self, items: list[dict]) -> dict:
        """The root fields, from the ``columns`` of the items carried. lastUpdated is the
        newest content time, so an unchanged channel publishes the same bytes (and the
        same ETag) again."""
        times = [t for values in items for t in (values["published"], values["updated"]) if t is not None]
        newest = max(times, default=self.now)
        return {"providerName": self.channel.provider_name or self.channel.title or self.channel.id,
                "lastUpdated": utc_iso(newest),
                "language": roku_language(self.channel.language)}

    def within(self, budget: int, head: dict, playables: list[Playable],
               series: dict[str, dict]) -> RokuBuild:
        sizer = Budget(budget)
        base = self.assemble(head, [], series, every_list=True,
                             sections=self.sections(playables))
        fixed = len(orjson.dumps(base))
        shells = {ident: len(orjson.dumps(shell)) + 2 * (len(ident) + 3) + 48
                  for ident, shell in series.items()}
        costs = [self.cost(p, shells) for p in playables]
        while True:
            kept = sizer.fit(fixed, costs)
            carried = [p for p, keep in zip(playables, kept) if keep]
            sections = self.sections(carried)
            doc = self.assemble(head, carried, series, sections=sections)
            body = orjson.dumps(self.assemble(head, carried, series, sections=sections, raw=True))
            if sizer.holds(len(body)) or not carried:
                break
            sizer.shrink(len(body))
        reason = over_budget_reason(budget)
        left_out = self.left_out + [(p.id, reason) for p, keep in zip(playables, kept) if not keep]
        return RokuBuild(doc, playables, carried, series, left_out, self.text_only, body)

    def cost(self, playable: Playable, shells: dict[str, int]) -> Cost:
        """An item's own size, its places in two playlists, and for an episode its
        series without episodes, paid by the first episode carried."""
        size = len(playable.to_bytes()) + 1
        if playable.series:
            return Cost(size, playable.series, shells[playable.series])
        if playable.kind == "liveFeeds":
            return Cost(size)
        return Cost(size + 2 * (len(playable.id) + 3))

    def playable(self, values: dict, item: Item) -> Playable | None:
        """The item (with its ``columns`` as ``values``) made valid for Roku, or None."""
        if values["kind"] != "live" and not values["videos"]:
            self.text_only += 1
            return None
        shape = self.shapes.get(values["source_id"], SHORT_FORM)
        made = self.made(values, item, shape)
        if made.reason:
            self.left_out.append((values["id"], made.reason))
            return None
        if made.series:
            self.series_shapes.setdefault(made.series, shape)
        return Playable(item, made.kind, made.fields, made.series, made.season, made, made.section)

    def made(self, values: dict, item: Item, shape: Shape) -> Made:
        """What the item makes, from the cache when its key is the same as then.
        Without a content hash (items not stored through ``feeds.items``) nothing
        says the content is the same, so it is made again."""
        ident, digest = values["id"], values["content_hash"]
        if not digest:
            return self.make(item, shape)
        key = (digest, values["published"], shape)
        made = self.previous.get(ident)
        if made is None or made.key != key:
            made = self.make(item, shape)
            made.key = key
        self.current[ident] = made
        return made

    def make(self, item: Item, shape: Shape) -> Made:
        made = self.live_feed(item) if item.kind == "live" else self.vod(item, shape)
        if made.reason:
            return made
        made.section = section_name(item)
        if made.kind == "series":
            made.series = series_id(self.channel.id, shape.series)
            made.season = self.local(item).year if shape.seasons else None
        return made

    def vod(self, item: Item, shape: Shape) -> Made:
        videos, problem = roku_videos(item.videos)
        duration = item.duration or max((v.get("duration") or 0 for v in item.videos), default=0)
        reason = self.common_problem(item) or problem or (None if duration >= 1 else "no duration")
        if reason:
            return Made(reason=reason)
        fields = {**self.common(item),
                  "releaseDate": self.local(item).date().isoformat(),
                  "content": {"dateAdded": utc_iso(item.published), "videos": videos,
                              "duration": int(duration)}}
        if shape.roku_type in ("movies", "tvSpecials"):
            fields["genres"] = GENRES
        if shape.roku_type != "series" and (tags := roku_tags(item.tags)):
            fields["tags"] = tags
        return Made(shape.roku_type, fields)

    def live_feed(self, item: Item) -> Made:
        videos, problem = roku_videos(item.videos)
        reason = self.common_problem(item) or (problem and "no playable stream")
        if reason:
            return Made(reason=reason)
        fields = {**self.common(item),
                  "content": {"dateAdded": utc_iso(item.published), "videos": videos}}
        return Made("liveFeeds", fields)

    def common_problem(self, item: Item) -> str | None:
        if not title_of(item):
            return "no title"
        if not self.thumbnail(item):
            return "no thumbnail"
        return None

    def common(self, item: Item) -> dict:
        return {"id": item.id, "title": title_of(item), "thumbnail": self.thumbnail(item),
                **descriptions(item)}

    def thumbnail(self, item: Item) -> str:
        return item.image_url if is_url(item.image_url) else self.default_thumbnail

    def local(self, item: Item) -> datetime:
        return item.published.astimezone(self.zone)

    def series_shell(self, ident: str, playables: list[Playable]) -> dict:
        """A series without its episodes: named by its source, dated by its first episode."""
        shape = self.series_shapes[ident]
        episodes = [p for p in playables if p.series == ident]
        text = " ".join(shape.description.split()) or f"Every episode of {shape.series}."
        return {"id": ident, "title": shape.series, "genres": GENRES,
                "thumbnail": shape.thumbnail if is_url(shape.thumbnail) else episodes[0].fields["thumbnail"],
                "releaseDate": episodes[-1].fields["releaseDate"],
                "shortDescription": shorten(text, SHORT_LIMIT)}

    def sections(self, playables: list[Playable]) -> dict[str, list[str]]:
        """Playlist name -> ids, newest first: "Latest", then one per section in the
        order of their newest item. Episodes are listed as their series."""
        rows: dict[str, list[str]] = {LATEST: []}
        for playable in playables:
            if playable.kind == "liveFeeds":
                continue
            for name in (LATEST, playable.section):
                row = rows.get(name)
                if row is None:
                    if not name or len(rows) > MAX_SECTIONS:
                        continue
                    row = rows[name] = []
                if len(row) < PLAYLIST_LENGTH:
                    ident = playable.series or playable.id
                    if ident not in row:
                        row.append(ident)
        return rows

    def assemble(self, head: dict, carried: list[Playable], series: dict[str, dict],
                 every_list: bool = False, sections: dict[str, list[str]] | None = None,
                 raw: bool = False) -> dict:
        """The document. With ``every_list``, every list that could appear is there,
        empty, and the playlists have no ids: the fixed part of the feed's size.
        With ``raw``, each item's object is there as its bytes, an ``orjson.Fragment``
        that orjson copies as it is: the same JSON without serialising items again."""
        doc = dict(head)
        lists: dict[str, list] = {name: [] for name in LISTS}
        for playable in carried:
            if not playable.series:
                lists[playable.kind].append(entry(playable, raw))
        lists["series"] = [series_object(series[ident], carried, raw)
                           for ident in dict.fromkeys(p.series for p in carried if p.series)]
        doc.update((name, rows) for name, rows in lists.items() if rows or every_list)
        rows = sections if sections is not None else self.sections(carried)
        playlists = [{"name": name, "itemIds": [] if every_list else ids}
                     for name, ids in rows.items() if ids]
        if playlists:
            doc["playlists"] = playlists
            doc["categories"] = [{"name": p["name"], "playlistName": p["name"], "order": "manual"}
                                 for p in playlists]
        return doc


COLUMNS = frozenset({"id", "kind", "videos", "source_id", "content_hash", "published", "updated"})


def columns(item: Item) -> dict:
    """The item's columns a build reads for every item, cached or not. SQLAlchemy
    keeps loaded values in the instance ``__dict__``; reading them there skips its
    attribute descriptor, a Python call per read that would otherwise be most of a
    cached build's time. Values not loaded (expired, deferred) are read the usual
    way. The dict returned may be the instance's own: only read it."""
    values = item.__dict__
    if values.keys() >= COLUMNS:
        return values
    return {name: getattr(item, name) for name in COLUMNS}


def newest_first(row: tuple[dict, Item]) -> tuple[datetime, str]:
    return row[0]["published"], row[0]["id"]


def entry(playable: Playable, raw: bool) -> dict | orjson.Fragment:
    return orjson.Fragment(playable.to_bytes()) if raw else playable.fields


def series_object(shell: dict, carried: list[Playable], raw: bool = False) -> dict:
    episodes = sorted((p for p in carried if p.series == shell["id"]),
                      key=lambda p: (p.season or 0, p.fields["episodeNumber"]))
    if episodes[0].season is None:
        return {**shell, "episodes": [entry(p, raw) for p in episodes]}
    seasons: dict[int, list[dict]] = {}
    for playable in episodes:
        seasons.setdefault(playable.season, []).append(entry(playable, raw))
    return {**shell, "seasons": [{"seasonNumber": n, "episodes": e} for n, e in seasons.items()]}


def number_episodes(playables: list[Playable]) -> None:
    """Episodes numbered by publish order, oldest first, within a series (or season).
    The number depends on the other episodes, so it goes on a copy of the object made."""
    counters: dict[tuple[str, int | None], int] = {}
    for playable in reversed(playables):
        if playable.series:
            key = (playable.series, playable.season)
            counters[key] = counters.get(key, 0) + 1
            playable.fields = {**playable.fields, "episodeNumber": counters[key]}


def roku_tags(tags: list[str]) -> list[str]:
    clean = (" ".join(str(tag).split()) for tag in tags or [])
    return [tag for tag in dict.fromkeys(clean) if 0 < len(tag) <= TAG_LIMIT][:MAX_TAGS]


def title_of(item: Item) -> str:
    return " ".join((item.title or "").split())


def section_name(item: Item) -> str:
    """The playlist of an item's outermost section (Roku allows 20 characters)."""
    categories = item.categories
    if not categories:
        return ""
    name = " ".join(str(categories[0]).split())[:PLAYLIST_NAME_LIMIT].strip()
    return "" if name == LATEST else name


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """A build makes many small containers and no cycles; left on, the garbage
    collector rescans the growing heap so often that time per item grows with
    the size of the feed."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")


def source_shapes(sources: list[Source]) -> dict[int | None, Shape]:
    return {source.id: Shape.of(source) for source in sources}


def build_roku_feed(channel: Channel, items: list[Item], now: datetime | None = None,
                    shapes: dict[int | None, Shape] | None = None,
                    budget: int | None = DEFAULT_BUDGET,
                    cache: ItemCache | None = CACHE) -> RokuBuild:
    """The feed of every item of the channel (``items``), reusing this process's
    ``cache`` of what its last build made of each item."""
    return RokuBuilder(channel, shapes, now, cache).build(items, budget)
