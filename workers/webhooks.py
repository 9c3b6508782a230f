"""Delivering webhooks: a Celery task per delivery in production, retried with backoff;
a thread per delivery in the embedded mode."""
from __future__ import annotations

import logging
import threading

from feeds.backend import Backend
from feeds.ingest.fetch import make_session
from feeds.webhooks import MAX_ATTEMPTS, attempt, backoff
from workers.celery_app import celery

log = logging.getLogger("workers.webhooks")


def send(backend: Backend, delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        if backend.settings.embedded:
            threading.Thread(target=deliver_here, args=(backend, delivery_id), daemon=True,
                             name=f"webhook-{delivery_id}").start()
        else:
            deliver.delay(delivery_id)


def deliver_here(backend: Backend, delivery_id: int, wait=threading.Event().wait) -> str:
    """Every attempt in this thread, waiting between them; the final status."""
    http = make_session(backend.settings.fetch_allow_private)
    for number in range(1, MAX_ATTEMPTS + 1):
        status = attempt(backend.Session, delivery_id, http)
        if status != "pending":
            return status
        wait(backoff(number))
    return status


@celery.task(name="workers.webhooks.deliver", bind=True, max_retries=MAX_ATTEMPTS, acks_late=True)
def deliver(self, delivery_id: int) -> str:
    from workers.tasks import backend

    current = backend()
    status = attempt(current.Session, delivery_id, make_session(current.settings.fetch_allow_private))
    if status == "pending":
        raise self.retry(countdown=backoff(self.request.retries + 1))
    log.info("webhook", extra={"event": "webhook", "delivery": delivery_id, "status": status})
    return status
