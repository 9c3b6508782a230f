"""Run records: a refresh queued, running, and how it ended.

A run is closed here when its worker cannot close it: lost before it started,
interrupted by a worker's death, or refused before it went ahead."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from feeds.dates import utcnow
from feeds.store.items import Counts
from feeds.store.tables import Run, Source

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
        finish_run(run, "error", error=INTERRUPTED)
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
            finish_run(run, "error", error=LOST if run.status == "queued" else INTERRUPTED)
        session.commit()
    return len(stale)


def finish_run(run: Run, status: str, counts: Counts | None = None, error: str = "") -> None:
    run.status, run.error, run.finished = status, error, utcnow()
    if counts:
        run.new, run.updated, run.unchanged = counts.new, counts.updated, counts.unchanged



def record_failures(Session: sessionmaker, source_id: int, messages: list[str]) -> None:
    """Write down failed attempts that could not be written when they happened."""
    with Session() as session:
        for message in messages:
            run = Run(source_id=source_id, status="running")
            session.add(run)
            finish_run(run, "error", error=message)
        session.commit()


def refuse_run(Session: sessionmaker, run_id: int, message: str) -> None:
    """Close a queued run that will not go ahead, saying why."""
    with Session() as session:
        run = session.get(Run, run_id)
        if run is not None and run.status == "queued":
            finish_run(run, "error", error=message)
            session.commit()
