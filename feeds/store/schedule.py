"""What is due: the one decision both modes share (Celery beat and the embedded
thread only differ in who calls ``dispatch_due`` and who runs the refreshes)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from feeds.dates import utcnow
from feeds.store.airing import windows_turned
from feeds.store.audit import edited_since_publish
from feeds.store.editorial import lapse_pins
from feeds.store.policy import PushPolling, next_poll_while_pushed
from feeds.store.runs import close_stale_runs
from feeds.store.tables import Run, Source
from feeds.store.websub import active_leases

CLAIM_SECONDS = 300
EDIT_GRACE = timedelta(seconds=60)
"""How long an ops change may wait for the publish it asked for before the tick asks again."""


def due_source_ids(session: Session, now: datetime, limit: int = 100) -> list[int]:
    query = (select(Source.id).where(Source.enabled.is_(True), Source.next_due <= now)
             .order_by(Source.next_due).limit(limit))
    return list(session.scalars(query))


def dispatch_due(Session: sessionmaker, enqueue: Callable[[int], object],
                 now: datetime | None = None, push_polling: PushPolling | None = None) -> list[int]:
    """Enqueue a refresh of every due source. Each is first pushed a little into
    the future so the next tick does not enqueue it again while it waits; the
    refresh then sets its real next time.

    With ``push_polling``, a due source whose hub pushes to us (an active WebSub
    lease) is polled only at the slower pace: its next time is moved there instead
    (``policy.next_poll_while_pushed``, never past the lease's end)."""
    now = now or utcnow()
    with Session() as session:
        ids = due_source_ids(session, now)
        later = deferred_by_push(session, ids, now, push_polling) if push_polling else {}
        ids = [source_id for source_id in ids if source_id not in later]
        for source in session.scalars(select(Source).where(Source.id.in_([*ids, *later]))):
            if source.id in later:
                source.next_due = later[source.id]
            else:
                source.next_due = now + timedelta(seconds=min(CLAIM_SECONDS, source.every))
        session.commit()
    for source_id in ids:
        enqueue(source_id)
    return ids


def deferred_by_push(session: Session, ids: list[int], now: datetime,
                     polling: PushPolling) -> dict[int, datetime]:
    """Of the due ``ids``, those with an active lease not yet due at the slower pace,
    with when they are. The pace counts from the source's last refresh (its latest
    run, a push's included); a source never refreshed is not held back."""
    leases = active_leases(session, ids, now)
    if not leases:
        return {}
    last = dict(session.execute(select(Run.source_id, func.max(Run.started))
                                .where(Run.source_id.in_(list(leases))).group_by(Run.source_id)).all())
    every = dict(session.execute(select(Source.id, Source.every).where(Source.id.in_(list(leases)))).all())
    later = {}
    for source_id, lease_expires in leases.items():
        if last.get(source_id) is None:
            continue
        when = next_poll_while_pushed(_aware(last[source_id]), every[source_id], lease_expires, polling)
        if when > now:
            later[source_id] = when
    return later


def _aware(moment: datetime) -> datetime:
    """``max()`` comes back without the column's type on some backends: naive UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


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


def publish_missed_edits(Session: sessionmaker, publish: Callable[[str, str], object],
                         now: datetime | None = None) -> list[str]:
    """Ask again for the publish of an ops change older than ``EDIT_GRACE`` that no
    publish has carried yet (the request was lost with the broker, say)."""
    with Session() as session:
        channels = edited_since_publish(session, (now or utcnow()) - EDIT_GRACE)
    for channel_id in channels:
        publish(channel_id, "editorial (catching up)")
    return channels


def tick(Session: sessionmaker, enqueue: Callable[[int], object], queued_for: timedelta,
         running_for: timedelta, now: datetime | None = None,
         publish: Callable[[str, str], object] | None = None,
         push_polling: PushPolling | None = None) -> list[int]:
    """One tick of the scheduler: close the runs no worker will finish (see
    ``close_stale_runs``), enqueue every due source (those a WebSub hub pushes to at
    the ``push_polling`` pace), then (with ``publish``) ask for a publish where a pin
    lapsed, a validity window turned or an ops change was never published."""
    close_stale_runs(Session, queued_for, running_for, now)
    ids = dispatch_due(Session, enqueue, now, push_polling)
    if publish is not None:
        publish_lapsed(Session, publish, now)
        publish_windows_turned(Session, publish, now)
        publish_missed_edits(Session, publish, now)
    return ids
