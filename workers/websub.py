"""WebSub on the workers: a task per discovery (fetch the feed once, read its hub and
topic, subscribe when that is new) and per subscription request (a retry or a
renewal). The tick hands them out, a few per tick (``feeds.websub.due_work``); in the
embedded mode the tick's thread does them itself.

A push, at the web tier's callback, is a refresh of its source: the ordinary
``workers.tasks.refresh`` (``channel.enqueue.enqueue_refresh``)."""
from __future__ import annotations

import logging

from feeds import websub
from feeds.backend import Backend
from feeds.store.policy import PushPolling
from workers.celery_app import celery

log = logging.getLogger("workers.websub")
TIME_LIMIT = 120
"""A discovery is one fetch (30 s at most) and one request to the hub (20 s at most)."""


def push_polling(backend: Backend) -> PushPolling | None:
    """The pace at which the scheduler polls sources a hub pushes to; None (poll as
    usual) with WebSub turned off."""
    settings = backend.settings
    if not settings.websub_enabled:
        return None
    return PushPolling(factor=settings.websub_poll_factor, max_seconds=settings.websub_poll_max)


def dispatch(backend: Backend) -> tuple[list[int], list[int]]:
    """The tick's share of WebSub, sent to the workers."""
    if not backend.settings.websub_enabled:
        return [], []
    to_discover, to_subscribe = websub.due_work(backend.Session)
    for source_id in to_discover:
        discover.delay(source_id)
    for source_id in to_subscribe:
        subscribe.delay(source_id)
    return to_discover, to_subscribe


def run_here(backend: Backend) -> tuple[list[int], list[int]]:
    """The tick's share of WebSub, done on this thread (the embedded mode)."""
    if not backend.settings.websub_enabled:
        return [], []
    to_discover, to_subscribe = websub.due_work(backend.Session)
    for source_id in to_discover:
        _logged(websub.discover, backend, source_id)
    for source_id in to_subscribe:
        _logged(websub.subscribe, backend, source_id)
    return to_discover, to_subscribe


def _logged(step, backend: Backend, source_id: int) -> None:
    try:
        step(backend.Session, backend.settings, source_id)
    except Exception:
        log.exception("websub %s of source %s failed", step.__name__, source_id)


@celery.task(name="workers.websub.discover", time_limit=TIME_LIMIT, soft_time_limit=TIME_LIMIT - 10)
def discover(source_id: int) -> dict | None:
    from workers.tasks import backend

    current = backend()
    report = websub.discover(current.Session, current.settings, source_id)
    return None if report is None else vars(report)


@celery.task(name="workers.websub.subscribe", time_limit=TIME_LIMIT, soft_time_limit=TIME_LIMIT - 10)
def subscribe(source_id: int) -> str:
    from workers.tasks import backend

    current = backend()
    return websub.subscribe(current.Session, current.settings, source_id)
