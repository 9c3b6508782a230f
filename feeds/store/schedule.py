"""What is due: the one decision both modes share (Celery beat and the embedded
thread only differ in who calls ``dispatch_due`` and who runs the refreshes)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from feeds.dates import utcnow
from feeds.store.airing import windows_turned
from feeds.store.editorial import lapse_pins
from feeds.store.runs import close_stale_runs
from feeds.store.tables import Source

CLAIM_SECONDS = 300


def due_source_ids(session: Session, now: datetime, limit: int = 100) -> list[int]:
    query = (select(Source.id).where(Source.enabled.is_(True), Source.next_due <= now)
             .order_by(Source.next_due).limit(limit))
    return list(session.scalars(query))


def dispatch_due(Session: sessionmaker, enqueue: Callable[[int], object],
                 now: datetime | None = None) -> list[int]:
    """Enqueue a refresh of every due source. Each is first pushed a little into
    the future so the next tick does not enqueue it again while it waits; the
    refresh then sets its real next time."""
    now = now or utcnow()
    with Session() as session:
        ids = due_source_ids(session, now)
        for source in session.scalars(select(Source).where(Source.id.in_(ids))):
            source.next_due = now + timedelta(seconds=min(CLAIM_SECONDS, source.every))
        session.commit()
    for source_id in ids:
        enqueue(source_id)
    return ids


def publish_lapsed(Session: sessionmaker, publish: Callable[[str, str], object],
                   now: datetime | None = None) -> list[str]:
    """Ask for a publish of each channel where a pin lapsed since the last tick:
    the pins that lapsed are cleared, so one query on ``pin_until`` finds only those.
    Cleared first, then asked: a publish that cannot be asked for is not asked
    again, but any later publish leaves the pin out all the same (the builders
    read ``pin_until``)."""
    with Session() as session:
        channels = sorted(lapse_pins(session, now or utcnow()))
        session.commit()
    for channel_id in channels:
        publish(channel_id, "pin lapsed")
    return channels


def publish_windows_turned(Session: sessionmaker, publish: Callable[[str, str], object],
                           now: datetime | None = None) -> list[str]:
    """Ask for a publish of each channel where an item's validity window opened or
    closed since its last publish."""
    with Session() as session:
        channels = windows_turned(session, now or utcnow())
    for channel_id in channels:
        publish(channel_id, "validity window")
    return channels


def tick(Session: sessionmaker, enqueue: Callable[[int], object], queued_for: timedelta,
         running_for: timedelta, now: datetime | None = None,
         publish: Callable[[str, str], object] | None = None) -> list[int]:
    """One tick of the scheduler: close the runs no worker will finish (see
    ``close_stale_runs``), enqueue every due source, then (with ``publish``) ask
    for a publish where a pin lapsed or a validity window turned."""
    close_stale_runs(Session, queued_for, running_for, now)
    ids = dispatch_due(Session, enqueue, now)
    if publish is not None:
        publish_lapsed(Session, publish, now)
        publish_windows_turned(Session, publish, now)
    return ids
