"""Asking for a refresh or a publish from the web tier: a Celery task in production,
a thread of this process in the embedded mode."""
from __future__ import annotations

import logging
import threading

import redis
from kombu import Connection
from kombu.exceptions import KombuError

from feeds.backend import Backend

log = logging.getLogger("channel.enqueue")
DEBOUNCE = 2.0
"""Seconds an embedded publish asked for waits, so that the changes made meanwhile
share it (production waits ``workers.tasks.PUBLISH_DELAY``)."""
_waiting: set[tuple[int, str]] = set()
_waiting_lock = threading.Lock()


def enqueue_refresh(backend: Backend, source_id: int, run_id: int) -> None:
    if backend.settings.embedded:
        from workers.jobs import refresh_and_publish

        threading.Thread(target=refresh_and_publish, args=(backend, source_id, run_id),
                         name=f"refresh-{source_id}", daemon=True).start()
        return
    from workers.tasks import refresh

    with Connection(backend.settings.redis_url) as connection:
        refresh.apply_async((source_id, run_id), connection=connection, retry=True)


def request_publish(backend: Backend, channel_id: str, trigger: str = "") -> bool:
    """A publish of the channel a couple of seconds from now, unless one is already
    waiting to start (then that one carries this change too); whether one was queued.
    Production shares the pending key with the workers' own requests."""
    if backend.settings.embedded:
        return _publish_later(backend, channel_id, trigger)
    from workers.tasks import PUBLISH_DELAY, pending_key, publish

    redis = backend.snapshots.redis
    if not redis.set(pending_key(channel_id), 1, nx=True, ex=60):
        return False
    try:
        with Connection(backend.settings.redis_url) as connection:
            publish.apply_async((channel_id, trigger), countdown=PUBLISH_DELAY, connection=connection,
                                retry=True)
    except Exception:
        redis.delete(pending_key(channel_id))
        raise
    return True


def _publish_later(backend: Backend, channel_id: str, trigger: str) -> bool:
    key = (id(backend), channel_id)
    with _waiting_lock:
        if key in _waiting:
            return False
        _waiting.add(key)
    timer = threading.Timer(DEBOUNCE, _publish_now, args=(backend, channel_id, key, trigger))
    timer.name, timer.daemon = f"publish-{channel_id}", True
    timer.start()
    return True


def _publish_now(backend: Backend, channel_id: str, key: tuple[int, str], trigger: str) -> None:
    from workers.jobs import publish

    with _waiting_lock:
        _waiting.discard(key)
    try:
        publish(backend, channel_id, trigger=trigger)
    except Exception:
        log.exception("publish of channel %s failed", channel_id)


def publish_waiting(backend: Backend, channel_id: str) -> bool:
    """Whether an embedded publish of the channel is waiting to start."""
    with _waiting_lock:
        return (id(backend), channel_id) in _waiting


def republish(backend: Backend, channel_id: str, trigger: str) -> None:
    """Ask for a publish after a change ops made; the change is stored whatever
    happens here, and the next publish carries it."""
    try:
        request_publish(backend, channel_id, trigger)
    except (OSError, KombuError, redis.RedisError) as exc:
        log.error("republish not queued", extra={"event": "publish", "channel": channel_id,
                                                 "error": str(exc)})
