"""One refresh of one source: fetch, parse, store, and write down how it went.

Every refresh leaves a run record. A failed refresh changes no stored item: the
items are written in one transaction that is rolled back on any error."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from feeds import demo, policy
from feeds.db import utcnow
from feeds.errors import FeedError
from feeds.fetch import make_session
from feeds.ingest import ingest
from feeds.items import Counts, upsert_entries
from feeds.metrics import REFRESH_SECONDS, REFRESHES
from feeds.tables import Run, Source

log = logging.getLogger("feeds.refresh")


@dataclass
class RunReport:
    run_id: int
    source_id: int
    channel_id: str
    status: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    error: str = ""
    transient: bool = False
    duration: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.new or self.updated)

    def to_dict(self) -> dict:
        return {name: getattr(self, name) for name in (
            "run_id", "source_id", "channel_id", "status", "new", "updated", "unchanged",
            "error", "duration")}


def http_session(allow_private: bool) -> requests.Session:
    return demo.mount(make_session(allow_private))


INTERRUPTED = ("interrupted: the refresh stopped before it finished "
               "(worker lost or restarted, or the store unreachable)")


LOST = ("lost: the refresh was queued but never started (its task was lost, as when a "
        "broker restarts without persistence, or waited longer than a task may); "
        "a later start would be recorded as a new run")


def queue_run(Session: sessionmaker, source_id: int) -> int:
    """A run record for a refresh asked for now, so that ops get its id at once."""
    with Session() as session:
        if session.get(Source, source_id) is None:
            raise LookupError(f"no source {source_id}")
        run = Run(source_id=source_id, status="queued")
        session.add(run)
        session.commit()
        return run.id


def close_interrupted_runs(session: Session, source_id: int, keep: int) -> int:
    """Mark as failed the runs of ``source_id`` left running by a lost worker. Only
    call it while holding the source's refresh lock, when no other run is live."""
    stale = session.scalars(select(Run).where(
        Run.source_id == source_id, Run.status == "running", Run.id != keep)).all()
    for run in stale:
        _finish(run, "error", error=INTERRUPTED)
    return len(stale)


def close_stale_runs(Session: sessionmaker, queued_for: timedelta, running_for: timedelta,
                     now: datetime | None = None) -> int:
    """Close, as failed and saying why, the runs of any source that no worker will
    finish: queued for longer than ``queued_for`` (longer than a task waits to be
    delivered again) or running for longer than ``running_for`` (longer than a task
    may run). Without this they would stay queued or running in the history of a
    source that is not refreshed again."""
    now = now or utcnow()
    with Session() as session:
        stale = session.scalars(select(Run).where(or_(
            and_(Run.status == "queued", Run.started < now - queued_for),
            and_(Run.status == "running", Run.started < now - running_for)))).all()
        for run in stale:
            _finish(run, "error", error=LOST if run.status == "queued" else INTERRUPTED)
        session.commit()
    return len(stale)


def refresh_source(Session: sessionmaker, source_id: int, *, allow_private: bool = False,
                   http: requests.Session | None = None, now: datetime | None = None,
                   run_id: int | None = None) -> RunReport:
    """Refresh ``source_id`` and return its run report. Raises ``LookupError`` when
    there is no such source; every other failure ends up in the report."""
    now = now or utcnow()
    clock = time.monotonic()
    with Session() as session:
        source = session.get(Source, source_id)
        if source is None:
            raise LookupError(f"no source {source_id}")
        run = session.get(Run, run_id) if run_id else None
        if run is None or run.status != "queued":
            run = Run(source_id=source_id)
            session.add(run)
        run.status, run.started = "running", now
        session.flush()
        close_interrupted_runs(session, source_id, keep=run.id)
        session.commit()
        try:
            report = _ingest_and_store(session, source, run, http or http_session(allow_private),
                                       allow_private, now)
        except FeedError as exc:
            session.rollback()
            report = _record_failure(session, source, run, exc, now)
        except Exception as exc:
            session.rollback()
            _record_failure(session, source, run, FeedError(f"internal error: {exc!r}"), now)
            raise
        report.duration = round(time.monotonic() - clock, 3)
    REFRESHES.labels(source=str(source_id), status=report.status).inc()
    REFRESH_SECONDS.labels(source=str(source_id)).observe(report.duration)
    log.info("refresh", extra={"event": "refresh", **report.to_dict()})
    return report


def _ingest_and_store(session: Session, source: Source, run: Run, http: requests.Session,
                      allow_private: bool, now: datetime) -> RunReport:
    fetched, entries = ingest(source, http, allow_private)
    counts = Counts() if entries is None else upsert_entries(session, source.channel_id, source.id,
                                                             entries, now)
    status = "not_modified" if entries is None else "ok"
    if fetched.etag or fetched.last_modified:
        source.etag, source.last_modified = fetched.etag, fetched.last_modified
    source.failures = 0
    source.next_due = policy.next_due_after_success(now, source.every)
    _finish(run, status, counts=counts)
    session.commit()
    return _report(run, source)


def _record_failure(session: Session, source: Source, run: Run, exc: FeedError,
                    now: datetime) -> RunReport:
    source.failures += 1
    source.next_due = policy.next_due_after_failure(now, source.every, source.failures)
    if policy.should_disable(source.failures):
        source.enabled = False
        source.disabled_reason = (f"disabled after {source.failures} failed refreshes in a row; "
                                  f"last error: {exc.message}")
    _finish(run, "error", error=exc.message)
    session.commit()
    report = _report(run, source)
    report.transient = exc.transient
    return report


def _finish(run: Run, status: str, counts: Counts | None = None, error: str = "") -> None:
    run.status, run.error, run.finished = status, error, utcnow()
    if counts:
        run.new, run.updated, run.unchanged = counts.new, counts.updated, counts.unchanged


def _report(run: Run, source: Source) -> RunReport:
    return RunReport(run_id=run.id, source_id=source.id, channel_id=source.channel_id,
                     status=run.status, new=run.new, updated=run.updated,
                     unchanged=run.unchanged, error=run.error)


def record_failures(Session: sessionmaker, source_id: int, messages: list[str]) -> None:
    """Write down failed attempts that could not be written when they happened."""
    with Session() as session:
        for message in messages:
            run = Run(source_id=source_id, status="running")
            session.add(run)
            _finish(run, "error", error=message)
        session.commit()


def refuse_run(Session: sessionmaker, run_id: int, message: str) -> None:
    """Close a queued run that will not go ahead, saying why."""
    with Session() as session:
        run = session.get(Run, run_id)
        if run is not None and run.status == "queued":
            _finish(run, "error", error=message)
            session.commit()
