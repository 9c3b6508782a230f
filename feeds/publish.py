"""Publishing: build every format of a channel once, validate, and swap it in.

A build that fails validation is not published; the snapshots already published
stay as they were. A format whose bytes did not change is left in place, so its
ETag and Last-Modified stay too."""
from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache

import orjson
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feeds.dates import utcnow
from feeds.formats.budget import DEFAULT_BUDGET
from feeds.formats.companion import home_document
from feeds.formats.googletv import build_google_feed
from feeds.formats.jsonfeed import CONTENT_TYPE as JSON_FEED, build_json_feed
from feeds.formats.media_report import media_report
from feeds.formats.mrss import build_mrss, check_mrss
from feeds.formats.roku import RokuBuild, build_roku_feed, source_shapes
from feeds.formats.search import build_search_feed
from feeds.formats.validate import Memo, Problem, validate_feed, validate_search_feed
from feeds.formats.validate_more import validate_google_feed, validate_json_feed
from feeds.gcpause import collector_paused
from feeds.published import PublishedFeeds
from feeds.settings import Retention
from feeds.snapshots import CacheUnavailable, Snapshot
from feeds.store.airing import showing
from feeds.store.published import record_publish
from feeds.store.tables import Channel, Item, Source

JSON = "application/json"
RSS = "application/rss+xml; charset=utf-8"
VIDEO_FORMATS = {"roku.json", "search.json", "mrss.xml", "google.json"}
FORMATS = VIDEO_FORMATS | {"home.json", "feed.json"}
RETRY_UNPUBLISHABLE = 30.0
PUBLISH_ATTEMPTS = 3
log = logging.getLogger("feeds.publish")


class PublishError(Exception):
    """The channel's new feeds were refused; nothing was swapped in."""


class ChannelHeld(PublishError):
    """Ops hold the channel (an earlier publish restored): nothing is published until
    they release it."""


@dataclass
class PublishReport:
    channel: str
    published_at: str
    items: int
    carried: dict[str, int] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    left_out: list[dict] = field(default_factory=list)
    text_only: int = 0
    unchanged: list[str] = field(default_factory=list)
    not_published: dict[str, str] = field(default_factory=dict)
    artwork_fallbacks: list[dict] = field(default_factory=list)
    media_problems: list[dict] = field(default_factory=list)
    media_unchecked: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Documents:
    """Every format of one channel, as bytes with their content types."""

    bodies: dict[str, tuple[bytes, str]]
    roku: RokuBuild
    search_assets: int
    json_feed_items: int = 0
    google_elements: int = 0


def channel_items(session: Session, channel_id: str, now: datetime) -> list[Item]:
    """What the channel's feeds carry: its items, newest first, less those ops hid and
    those outside their validity window at ``now``."""
    return list(session.scalars(
        select(Item).where(Item.channel_id == channel_id, showing(now))
        .order_by(Item.published.desc())))


def channel_sources(session: Session, channel_id: str) -> list[Source]:
    return list(session.scalars(select(Source).where(Source.channel_id == channel_id)))


def build_documents(channel: Channel, items: list[Item], sources: list[Source], now: datetime,
                    budget: int = DEFAULT_BUDGET) -> Documents:
    """Build and check every format; raises ``PublishError`` when one is invalid.

    A channel with nothing playable yet (text-only, or before its first video)
    has no valid Roku feed: its video formats are left out and its companion
    home and JSON Feed (articles too) are still published."""
    with collector_paused():
        return _build_documents(channel, items, sources, now, budget)


def _build_documents(channel: Channel, items: list[Item], sources: list[Source], now: datetime,
                     budget: int) -> Documents:
    roku = build_roku_feed(channel, items, now, source_shapes(sources), budget)
    json_feed = build_json_feed(channel, items)
    _refuse("json feed", validate_json_feed(json_feed))
    bodies = {"home.json": (orjson.dumps(home_document(channel, items, now)), JSON),
              "feed.json": (orjson.dumps(json_feed), JSON_FEED)}
    if not roku.carried:
        return Documents(bodies, roku, 0, len(json_feed["items"]))
    _refuse("roku feed", validate_feed(roku.doc, memo(channel.id, "roku.json")))
    search = build_search_feed(channel, roku)
    _refuse("search feed", validate_search_feed(search, memo(channel.id, "search.json")))
    mrss = build_mrss(channel, roku)
    if problems := check_mrss(mrss):
        raise PublishError(f"mrss feed invalid: {problems[0]}")
    google = build_google_feed(channel, roku)
    _refuse("google feed", validate_google_feed(google))
    bodies |= {"roku.json": (roku.to_bytes(), JSON), "search.json": (orjson.dumps(search), JSON),
               "mrss.xml": (mrss, RSS), "google.json": (orjson.dumps(google), JSON)}
    return Documents(bodies, roku, len(search["assets"]), len(json_feed["items"]),
                     len(google["dataFeedElement"]))


@lru_cache(maxsize=512)
def memo(channel_id: str, name: str) -> Memo:
    """What this process last found valid in a channel's feed, item by item, so that
    a publish validates only the items that changed (a search feed of 10,000 items
    takes 3 s to validate whole); the least recently published channels go."""
    return Memo()


def _refuse(name: str, problems: list[Problem]) -> None:
    if problems:
        first = problems[0]
        raise PublishError(f"{name} invalid ({len(problems)} problems), first at "
                           f"{first.path or '/'}: {first.message}")


def publish_channel(session: Session, snapshots: PublishedFeeds, channel_id: str,
                    now: datetime | None = None, budget: int = DEFAULT_BUDGET, trigger: str = "",
                    retention: Retention = Retention()) -> PublishReport:
    """Build, validate and publish ``channel_id``: written to the store (the truth),
    then to the caches. Raises ``LookupError`` for an unknown channel, ``ChannelHeld``
    while ops hold it, ``PublishError`` when the build is invalid. ``trigger`` says
    why, for the history."""
    now = now or utcnow()
    for _ in range(PUBLISH_ATTEMPTS - 1):
        try:
            return _publish(session, snapshots, channel_id, now, budget, trigger, retention)
        except IntegrityError:
            session.rollback()
    return _publish(session, snapshots, channel_id, now, budget, trigger, retention)


def _publish(session: Session, snapshots: PublishedFeeds, channel_id: str, now: datetime,
             budget: int, trigger: str, retention: Retention) -> PublishReport:
    """One try. Two publishes of a channel at once (a refresh's and an editor's) take
    turns on PostgreSQL (the channel row is locked); elsewhere the second may find the
    first's bytes stored under its feet, and tries again on what is now stored."""
    channel = get_channel(session, channel_id, lock=True)
    if channel.held_at is not None:
        raise ChannelHeld(f"channel {channel_id!r} is held by {channel.held_by or 'ops'} since "
                          f"{channel.held_at.isoformat()}: release it to publish")
    report, files = build_publish(session, snapshots, channel, now, budget)
    record_publish(session, channel_id, files, report.to_dict(), trigger, now, retention)
    session.commit()
    put_in_caches(snapshots, channel_id, files)
    return report


def build_publish(session: Session, snapshots: PublishedFeeds, channel: Channel, now: datetime,
                  budget: int = DEFAULT_BUDGET) -> tuple[PublishReport, dict[str, Snapshot]]:
    """What a publish of ``channel`` would put out now, built and validated."""
    items = channel_items(session, channel.id, now)
    documents = build_documents(channel, items, channel_sources(session, channel.id), now, budget)
    report = new_report(channel.id, now, items, documents, budget)
    return report, _files(snapshots, channel.id, documents, report)


def put_in_caches(snapshots: PublishedFeeds, channel_id: str, files: dict[str, Snapshot]) -> None:
    """The fast copies of what the store now has live; Redis unreachable costs only speed."""
    for name, snapshot in files.items():
        try:
            snapshots.put(channel_id, name, snapshot)
        except CacheUnavailable as exc:
            log.warning("published to the store only", extra={
                "event": "publish", "channel": channel_id, "error": str(exc)})
            return


def get_channel(session: Session, channel_id: str, lock: bool = False) -> Channel:
    channel = session.get(Channel, channel_id, with_for_update=lock)
    if channel is None:
        raise LookupError(f"no channel {channel_id!r}")
    return channel


def _files(snapshots: PublishedFeeds, channel_id: str, documents: Documents,
           report: PublishReport) -> dict[str, Snapshot]:
    """The snapshot of each format: the one served now where the bytes did not
    change (its ETag and Last-Modified stay), else a new one."""
    stamp, files = time.time(), {}
    for name in VIDEO_FORMATS - documents.bodies.keys():
        report.not_published[name] = "nothing playable yet"
        if (served := snapshots.get(channel_id, name)) is not None:
            files[name] = served
    for name, (body, content_type) in documents.bodies.items():
        snapshot = Snapshot.of(body, content_type, stamp)
        current = snapshots.get(channel_id, name)
        if current is not None and current.etag == snapshot.etag:
            report.unchanged.append(name)
            snapshot = current
        files[name] = snapshot
        report.sizes[name] = len(body)
    return files


def new_report(channel_id: str, now: datetime, items: list[Item], documents: Documents,
               budget: int = DEFAULT_BUDGET) -> PublishReport:
    roku = documents.roku
    carried = {"roku.json": len(roku.carried), "search.json": documents.search_assets,
               "mrss.xml": sum(p.kind != "liveFeeds" for p in roku.carried),
               "google.json": documents.google_elements, "feed.json": documents.json_feed_items}
    roku_size = len(documents.bodies["roku.json"][0]) if "roku.json" in documents.bodies else 0
    media = media_report(roku.carried_rows, roku_size, budget)
    return PublishReport(channel=channel_id, published_at=now.isoformat(), items=len(items),
                         carried=carried, text_only=roku.text_only,
                         left_out=[{"id": i, "reason": r} for i, r in roku.left_out],
                         **asdict(media))


def get_or_publish(Session, snapshots, channel_id: str, name: str,
                   wait: float = 10.0) -> Snapshot | None:
    """The published snapshot; for a channel with nothing published yet, build and
    publish it once (one builder at a time, the others wait for its result).
    ``None`` when the channel is unknown or has nothing publishable."""
    snapshot = snapshots.get(channel_id, name)
    if snapshot is not None or not snapshots.knows(channel_id):
        return snapshot
    if time.monotonic() - _unpublishable.get((channel_id, name), -RETRY_UNPUBLISHABLE) < RETRY_UNPUBLISHABLE:
        return None
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        with snapshots.lock(f"publish:{channel_id}", timeout=60) as acquired:
            if acquired:
                return _publish_once(Session, snapshots, channel_id, name)
        time.sleep(0.05)
        if (snapshot := snapshots.get(channel_id, name)) is not None:
            return snapshot
    return None


def _publish_once(Session, snapshots, channel_id: str, name: str) -> Snapshot | None:
    if (snapshot := snapshots.get(channel_id, name)) is not None:
        return snapshot
    with Session() as session:
        try:
            publish_channel(session, snapshots, channel_id)
        except (LookupError, PublishError):
            pass
    snapshot = snapshots.get(channel_id, name)
    if snapshot is None:
        _unpublishable[(channel_id, name)] = time.monotonic()
    return snapshot


_unpublishable: dict[tuple[str, str], float] = {}
"""When this process last failed to build a channel's format on demand: asking
again within ``RETRY_UNPUBLISHABLE`` seconds answers at once instead of
rebuilding for every request. A refresh that publishes makes it served anyway."""
