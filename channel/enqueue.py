"""Asking for a refresh or a publish from the web tier: a Celery task in production,
a thread of this process in the embedded mode."""
from __future__ import annotations

import threading

from kombu import Connection

from feeds.backend import Backend


def enqueue_refresh(backend: Backend, source_id: int, run_id: int) -> None:
    if backend.settings.embedded:
        from workers.jobs import refresh_and_publish

        threading.Thread(target=refresh_and_publish, args=(backend, source_id, run_id),
                         name=f"refresh-{source_id}", daemon=True).start()
        return
    from workers.tasks import refresh

    with Connection(backend.settings.redis_url) as connection:
        refresh.apply_async((source_id, run_id), connection=connection, retry=True)


def enqueue_publish(backend: Backend, channel_id: str) -> None:
    if backend.settings.embedded:
        from workers.jobs import publish

        threading.Thread(target=publish, args=(backend, channel_id),
                         name=f"publish-{channel_id}", daemon=True).start()
        return
    from workers.tasks import PUBLISH_DELAY, publish

    with Connection(backend.settings.redis_url) as connection:
        publish.apply_async((channel_id,), countdown=PUBLISH_DELAY, connection=connection, retry=True)
