"""Before a publish, in a worker: check each playable item's media and make its artwork.

For the items whose outcome is missing, made for other content or settings, or older
than the recheck interval: every media URL is checked (cached per URL) and every
source image made into a tile (cached per image and size), on a bounded pool of
threads, through the guarded fetcher; the database is touched only on this thread.
What does not finish within ``deadline`` is left for the next publish: a slow host
never holds up the channel. Each item's outcome (``ItemMedia``) is what the builders
read: its tile, its renditions as checked, its captions, or why it cannot play."""
from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import datetime

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from feeds.dates import utcnow
from feeds.ingest.media_checks import Check, check_media
from feeds.media_art import ArtworkJobs
from feeds.media_outcome import item_outcome, urls_to_check
from feeds.media_settings import MediaSettings, media_settings
from feeds.store import media as store
from feeds.store.tables import Channel, Item, Source

log = logging.getLogger("feeds.prepare")
DEADLINE = 60.0


@dataclass
class PrepareReport:
    channel: str
    items: int = 0
    checked: int = 0
    tiles: int = 0
    cards: int = 0
    left_over: int = 0
    unplayable: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def prepare_channel(Session: sessionmaker, channel_id: str, *, http: requests.Session | None = None,
                    allow_private: bool = False, now: datetime | None = None,
                    deadline: float = DEADLINE, check_media: bool = True) -> PrepareReport:
    """Check media and make artwork for ``channel_id``'s items that need it. Raises
    ``LookupError`` for an unknown channel; a failing URL or image is an outcome, not
    an error. Without ``check_media`` (``CHANNEL_MEDIA_CHECKS=0``) only the artwork is
    made and the renditions are carried as the feeds give them."""
    now, started = now or utcnow(), time.monotonic()
    with Session() as session:
        channel = session.get(Channel, channel_id)
        if channel is None:
            raise LookupError(f"no channel {channel_id!r}")
        settings = media_settings(channel.media, check_media)
        items = store.items_to_prepare(session, channel_id, settings.key, now, settings.recheck)
        report = PrepareReport(channel_id, items=len(items))
        if items:
            _prepare(session, channel, items, settings, report,
                     _Context(http, allow_private, now, started + deadline))
    report.seconds = round(time.monotonic() - started, 3)
    log.info("prepared media", extra={"event": "prepare", **report.to_dict()})
    return report


@dataclass
class _Context:
    http: requests.Session | None
    allow_private: bool
    now: datetime
    until: float

    def left(self) -> float:
        return max(0.0, self.until - time.monotonic())


def _prepare(session: Session, channel: Channel, items: list[Item], settings: MediaSettings,
             report: PrepareReport, context: _Context) -> None:
    """The pool is never waited for past the deadline: a fetch still running then ends
    by its own deadline, and what it found is not used."""
    sources = list(session.scalars(select(Source).where(Source.channel_id == channel.id)))
    posters = {s.id for s in sources if _wants_poster(s)} if settings.posters else set()
    next_due = {s.id: s.next_due for s in sources}
    pool = ThreadPoolExecutor(max_workers=settings.concurrency, thread_name_prefix="media")
    try:
        art = ArtworkJobs(session, pool, channel, settings, context.http, context.allow_private, context.now)
        art.start(items, posters)
        checks = _checks(session, pool, items, settings, context, report) if settings.check_media else None
        art.finish(context.left)
        report.tiles, report.cards = art.made, art.cards
        for item in items:
            outcome = item_outcome(item, checks, art.result(item), settings.key,
                                   next_due.get(item.source_id) or context.now)
            if outcome is None:
                report.left_over += 1
                continue
            store.put_item_media(session, item, outcome, context.now)
            if outcome["problem"]:
                report.unplayable.append({"id": item.id, "reason": outcome["problem"]})
        session.commit()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _checks(session: Session, pool: ThreadPoolExecutor, items: list[Item], settings: MediaSettings,
            context: _Context, report: PrepareReport) -> dict[str, Check]:
    """The check of every media URL of ``items``: kept ones still fresh, new ones run."""
    wanted = urls_to_check(items)
    kept = store.get_checks(session, wanted)
    checks: dict[str, Check] = {}
    running: dict[Future, str] = {}
    for url, kind in wanted.items():
        row = kept.get(url)
        fresh = settings.recheck if row is not None and row.ok else settings.recheck_failed
        if row is not None and row.checked_at > context.now - fresh:
            checks[url] = Check.of(url, row.ok, row.error, row.details)
            continue
        running[pool.submit(check_media, url, kind, http=context.http,
                            allow_private=context.allow_private)] = url
    done, _ = wait(running, timeout=context.left())
    for future in done:
        check = _result(future, running[future])
        previous = kept.get(check.url)
        if not check.ok and check.transient and previous is not None and previous.ok:
            check = Check.of(check.url, True, "", previous.details)  # a blip: keep the last good answer
        store.put_check(session, check.url, check.ok, check.error, check.details(), context.now)
        checks[check.url] = check
    report.checked = len(done)
    session.commit()
    return checks


def _result(future: Future, url: str) -> Check:
    try:
        return future.result()
    except Exception as exc:  # a bug in a check must not stop the others
        log.exception("media check of %s failed", url)
        return Check(url, False, f"internal error checking media: {type(exc).__name__}")


def _wants_poster(source: Source) -> bool:
    return isinstance(source.options, dict) and source.options.get("roku_type") in ("movies", "series")
