"""Celery tasks: thin shells around ``workers.jobs``.

``tick`` (from beat) closes the runs no worker will finish and enqueues the due
refreshes; ``refresh`` retries transient
failures with exponential backoff and jitter; a refresh that changed something asks
for a publish of its channel, and publishes asked for close together are folded
into one."""
from __future__ import annotations

import logging
import os
import random
from datetime import timedelta

import redis
from celery.utils.time import get_exponential_backoff_interval
from sqlalchemy.exc import OperationalError

from feeds import events, webhooks
from feeds.backend import Backend
from feeds.settings import Settings
from feeds.snapshots import CacheUnavailable
from feeds.store import schedule
from feeds.store.runs import record_failures, refuse_run
from workers import jobs, websub
from workers.celery_app import HARD_TIME_LIMIT, VISIBILITY_TIMEOUT, celery

log = logging.getLogger("workers.tasks")

MAX_RETRIES = 4
RETRY_BASE = float(os.environ.get("CHANNEL_RETRY_BASE") or 10)
"""Seconds before the first retry of a failed refresh; doubled for each next one."""
PUBLISH_DELAY = 2
_backend: Backend | None = None


def backend() -> Backend:
    """One backend per worker process, made on first use (after the fork)."""
    global _backend
    if _backend is None:
        _backend = Backend.from_settings(Settings.from_env())
    return _backend


@celery.task(name="workers.tasks.tick", time_limit=60, soft_time_limit=50)
def tick() -> list[int]:
    """A run queued for longer than the visibility timeout lost its message; one
    running for longer than the hard time limit lost its worker. A channel where a
    pin lapsed is published again. A channel gone stale is told to its webhooks. WebSub
    discoveries and subscription renewals that are due are handed out."""
    dispatched = schedule.tick(backend().Session, lambda source_id: refresh.delay(source_id),
                               queued_for=timedelta(seconds=VISIBILITY_TIMEOUT),
                               running_for=timedelta(seconds=HARD_TIME_LIMIT + 60),
                               publish=request_publish, push_polling=websub.push_polling(backend()))
    jobs.notify(backend(), events.stale_channels)
    jobs.notify(backend(), webhooks.overdue)
    try:
        websub.dispatch(backend())
    except Exception:
        log.exception("websub discoveries and renewals not dispatched")
    return dispatched


def retry_countdown(retries: int) -> float:
    base = RETRY_BASE * 2 ** retries
    return base + random.uniform(0, base)


CACHE_OUTAGES = (CacheUnavailable, redis.ConnectionError, redis.TimeoutError)
"""Redis unreachable: worth another try later."""


@celery.task(name="workers.tasks.refresh", bind=True, max_retries=MAX_RETRIES,
             time_limit=HARD_TIME_LIMIT)
def refresh(self, source_id: int, run_id: int | None = None,
            store_failures: list[str] | None = None, failure_counted: bool = False) -> dict | None:
    """``store_failures``: attempts that failed because the store could not be
    written; they are written to the run history as soon as it can be.
    ``failure_counted``: an earlier attempt of this refresh failed and counted toward
    the source's backoff and auto-disable; a failure of this attempt is written to the
    run history but does not count again (one refresh is one failure, however many
    times Celery tries it).

    Every retry is sent with the arguments as they are now, never the ones this
    attempt was sent with (which may name store failures already written)."""
    def again(countdown: float, exc: Exception | None = None) -> Exception:
        return self.retry(args=(source_id, run_id),
                          kwargs={"store_failures": store_failures,
                                  "failure_counted": failure_counted},
                          countdown=countdown, exc=exc)

    try:
        if store_failures:
            record_failures(backend().Session, source_id, store_failures)
            store_failures = None
        report = jobs.refresh(backend(), source_id, run_id, failure_counted)
        if report is not None and report.changed:
            request_publish(report.channel_id, f"refresh of source {source_id}")
    except LookupError:
        log.info("source %s is gone; nothing to refresh", source_id)
        return None
    except OperationalError as exc:
        raise _retry_after_store_outage(self, source_id, run_id, store_failures,
                                        failure_counted, exc)
    except CACHE_OUTAGES as exc:
        raise again(get_exponential_backoff_interval(1, self.request.retries, 600, True), exc)
    if report is None:
        if self.request.retries < MAX_RETRIES:
            raise again(jobs.LOCK_SECONDS)
        if run_id is not None:
            refuse_run(backend().Session, run_id, jobs.BUSY)
        return None
    if report.status == "error":
        failure_counted = True
        if report.transient and self.request.retries < MAX_RETRIES:
            raise again(retry_countdown(self.request.retries))
    return report.to_dict()


def _retry_after_store_outage(task, source_id: int, run_id: int | None,
                              store_failures: list[str] | None, failure_counted: bool,
                              exc: OperationalError) -> Exception:
    """Drop the pooled connections (one that met a disk or network error may stay
    broken) and try again later, carrying the failure to write down then. Past
    the last retry, the error itself is returned to be raised."""
    backend().engine.dispose()
    reason = str(getattr(exc, "orig", exc)).splitlines()[0]
    failures = [*(store_failures or []), f"store unavailable: {reason}"]
    log.warning("refresh of source %s could not reach the store", source_id,
                extra={"event": "refresh", "source_id": source_id, "status": "error",
                       "error": failures[-1]})
    if task.request.retries >= MAX_RETRIES:
        return exc
    return task.retry(args=(source_id, run_id),
                      kwargs={"store_failures": failures, "failure_counted": failure_counted},
                      countdown=retry_countdown(task.request.retries), exc=exc)


def _redis() -> redis.Redis:
    return backend().snapshots.redis


def pending_key(channel_id: str) -> str:
    """Set while a publish of the channel waits to start (the web tier sets it too)."""
    return f"channel:publish-pending:{channel_id}"


def request_publish(channel_id: str, trigger: str = "") -> None:
    """Enqueue a publish unless one is already waiting to start (which then carries
    this change too, under its own trigger)."""
    if _redis().set(pending_key(channel_id), 1, nx=True, ex=60):
        publish.apply_async((channel_id, trigger), countdown=PUBLISH_DELAY)


@celery.task(name="workers.tasks.publish", time_limit=HARD_TIME_LIMIT, max_retries=MAX_RETRIES,
             autoretry_for=CACHE_OUTAGES + (OperationalError,), retry_backoff=True)
def publish(channel_id: str, trigger: str = "") -> dict | None:
    _redis().delete(pending_key(channel_id))
    report = jobs.publish(backend(), channel_id, trigger=trigger)
    return report.to_dict() if report else None
