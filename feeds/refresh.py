"""One refresh of one source: fetch, parse, store, and write down how it went.

Every refresh leaves a run record. A failed refresh changes no stored item: the
items are written in one transaction that is rolled back on any error."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import requests
from sqlalchemy.orm import Session, sessionmaker

from feeds import demo
from feeds.dates import utcnow
from feeds.errors import FeedError
from feeds.ingest.fetch import make_session
from feeds.ingest.kinds import ingest
from feeds.metrics import REFRESH_SECONDS, REFRESHES
from feeds.store import policy
from feeds.store.items import Counts, upsert_entries
from feeds.store.runs import close_interrupted_runs, finish_run
from feeds.store.tables import Run, Source

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


Progress = Callable[[int], None]


def http_session(allow_private: bool) -> requests.Session:
    return demo.mount(make_session(allow_private))


def refresh_source(Session: sessionmaker, source_id: int, *, allow_private: bool = False,
                   http: requests.Session | None = None, now: datetime | None = None,
                   run_id: int | None = None, failure_counted: bool = False,
                   progress: Progress | None = None) -> RunReport:
    """Refresh ``source_id`` and return its run report. Raises ``LookupError`` when
    there is no such source; every other failure ends up in the report.

    ``failure_counted``: this is another attempt (a retry) of a refresh whose failure
    was already counted. A failure now is written to the run history as its own run,
    but does not count again toward the backoff and the auto-disable counter: one
    refresh, however many times it is tried, is one failure.

    ``progress``: called with the number of items stored so far, after each batch
    (``upsert_entries``)."""
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
                                       allow_private, now, progress)
        except FeedError as exc:
            session.rollback()
            report = _record_failure(session, source, run, exc, now, failure_counted)
        except Exception as exc:
            session.rollback()
            _record_failure(session, source, run, FeedError(f"internal error: {exc!r}"), now,
                            failure_counted)
            raise
        report.duration = round(time.monotonic() - clock, 3)
    REFRESHES.labels(source=str(source_id), status=report.status).inc()
    REFRESH_SECONDS.labels(source=str(source_id)).observe(report.duration)
    log.info("refresh", extra={"event": "refresh", **report.to_dict()})
    return report


def _ingest_and_store(session: Session, source: Source, run: Run, http: requests.Session,
                      allow_private: bool, now: datetime, progress: Progress | None = None) -> RunReport:
    fetched, entries = ingest(source, http, allow_private)
    counts = Counts() if entries is None else upsert_entries(session, source.channel_id, source.id,
                                                             entries, now, progress=progress)
    status = "not_modified" if entries is None else "ok"
    if fetched.etag or fetched.last_modified:
        source.etag, source.last_modified = fetched.etag, fetched.last_modified
    source.failures = 0
    source.next_due = policy.next_due_after_success(now, source.every)
    finish_run(run, status, counts=counts)
    session.commit()
    return _report(run, source)


def _record_failure(session: Session, source: Source, run: Run, exc: FeedError,
                    now: datetime, failure_counted: bool = False) -> RunReport:
    """Every failed attempt is a run in the history; only the first failed attempt
    of a refresh counts toward the backoff and auto-disable (unless a success came
    in between and ended the streak: then this failure starts a new one)."""
    if not failure_counted or source.failures == 0:
        source.failures += 1
        if policy.should_disable(source.failures):
            source.enabled = False
            source.disabled_reason = (f"disabled after {source.failures} failed refreshes in a "
                                      f"row; last error: {exc.message}")
    source.next_due = policy.next_due_after_failure(now, source.every, source.failures)
    finish_run(run, "error", error=exc.message)
    session.commit()
    report = _report(run, source)
    report.transient = exc.transient
    return report


def _report(run: Run, source: Source) -> RunReport:
    return RunReport(run_id=run.id, source_id=source.id, channel_id=source.channel_id,
                     status=run.status, new=run.new, updated=run.updated,
                     unchanged=run.unchanged, error=run.error)
