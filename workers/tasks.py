"""Celery tasks: thin shells around ``workers.jobs``.

``tick`` (from beat) enqueues the due refreshes; ``refresh`` retries transient
failures with exponential backoff and jitter; a refresh that changed something asks
for a publish of its channel, and publishes asked for close together are folded
into one."""
from __future__ import annotations

import logging
import random

import redis
from sqlalchemy.exc import OperationalError

from feeds.backend import Backend
from feeds.refresh import refuse_run
from feeds.schedule import dispatch_due
from feeds.settings import Settings
from feeds.snapshots import CacheUnavailable
from workers import jobs
from workers.celery_app import HARD_TIME_LIMIT, celery

log = logging.getLogger("workers.tasks")

MAX_RETRIES = 4
RETRY_BASE = 10
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
    return dispatch_due(backend().Session, lambda source_id: refresh.delay(source_id))


def retry_countdown(retries: int) -> float:
    base = RETRY_BASE * 2 ** retries
    return base + random.uniform(0, base)


OUTAGES = (CacheUnavailable, redis.ConnectionError, redis.TimeoutError, OperationalError)
"""Redis or the store unreachable (or the store read-only): worth another try later."""


@celery.task(name="workers.tasks.refresh", bind=True, max_retries=MAX_RETRIES,
             time_limit=HARD_TIME_LIMIT, autoretry_for=OUTAGES, retry_backoff=True)
def refresh(self, source_id: int, run_id: int | None = None) -> dict | None:
    try:
        report = jobs.refresh(backend(), source_id, run_id)
    except LookupError:
        log.info("source %s is gone; nothing to refresh", source_id)
        return None
    if report is None:
        if self.request.retries < MAX_RETRIES:
            raise self.retry(countdown=jobs.LOCK_SECONDS)
        if run_id is not None:
            refuse_run(backend().Session, run_id, jobs.BUSY)
        return None
    if report.changed:
        request_publish(report.channel_id)
    if report.status == "error" and report.transient and self.request.retries < MAX_RETRIES:
        raise self.retry(countdown=retry_countdown(self.request.retries))
    return report.to_dict()


def _redis() -> redis.Redis:
    return backend().snapshots.redis


def request_publish(channel_id: str) -> None:
    """Enqueue a publish unless one is already waiting to start."""
    if _redis().set(f"channel:publish-pending:{channel_id}", 1, nx=True, ex=60):
        publish.apply_async((channel_id,), countdown=PUBLISH_DELAY)


@celery.task(name="workers.tasks.publish", time_limit=HARD_TIME_LIMIT, max_retries=MAX_RETRIES,
             autoretry_for=OUTAGES, retry_backoff=True)
def publish(channel_id: str) -> dict | None:
    _redis().delete(f"channel:publish-pending:{channel_id}")
    report = jobs.publish(backend(), channel_id)
    return report.to_dict() if report else None
