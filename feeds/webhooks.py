"""Sending a webhook delivery: one attempt at a time, signed, recorded.

The body is the delivery's JSON payload; ``X-Channel-Signature: sha256=<hex>`` is its
HMAC-SHA256 under the webhook's secret, ``X-Channel-Delivery`` its idempotency key
(the same on every attempt), ``X-Channel-Event`` the event. Any 2xx is delivered; the
caller retries the rest with backoff until ``MAX_ATTEMPTS``."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

import orjson
import requests
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from feeds.dates import utcnow
from feeds.store.tables import DELIVERY_DONE, DELIVERY_FAILED, DELIVERY_PENDING, Delivery, Webhook

MAX_ATTEMPTS = 6
GRACE = 120
TIMEOUT = (3.05, 10)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def attempt(Session: sessionmaker, delivery_id: int, http: requests.Session) -> str:
    """Try once; the delivery's status afterwards (``pending`` means: try again)."""
    with Session() as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None or delivery.status != "pending":
            return delivery.status if delivery else DELIVERY_FAILED
        webhook = session.get(Webhook, delivery.webhook_id)
        body = orjson.dumps(delivery.payload)
        outcome = _post(http, webhook, delivery, body)
        delivery.attempts = [*delivery.attempts, {"at": utcnow().isoformat(), **outcome}]
        if 200 <= outcome.get("status", 0) < 300:
            delivery.status = DELIVERY_DONE
        elif len(delivery.attempts) >= MAX_ATTEMPTS:
            delivery.status = DELIVERY_FAILED
        session.commit()
        return delivery.status


def _post(http: requests.Session, webhook: Webhook, delivery: Delivery, body: bytes) -> dict:
    headers = {"Content-Type": "application/json", "X-Channel-Event": delivery.event,
               "X-Channel-Delivery": delivery.key, "X-Channel-Signature": signature(webhook.secret, body)}
    try:
        response = http.post(webhook.url, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"status": response.status_code}


def backoff(attempts: int) -> float:
    """Seconds before the next attempt: 5, 10, 20, 40, 80."""
    return 5.0 * 2 ** max(0, attempts - 1)


def overdue(Session: sessionmaker, now: datetime | None = None) -> list[int]:
    """Pending deliveries whose next attempt is long past due: their task was lost (a
    broker restarted empty, a worker gone). The tick sends them again; a receiver that
    sees one twice has its ``X-Channel-Delivery`` to tell."""
    now = now or utcnow()
    with Session() as session:
        pending = session.scalars(select(Delivery).where(Delivery.status == DELIVERY_PENDING)).all()
        return [d.id for d in pending if now - _last_try(d) > timedelta(seconds=backoff(len(d.attempts)) + GRACE)]


def _last_try(delivery: Delivery) -> datetime:
    return datetime.fromisoformat(delivery.attempts[-1]["at"]) if delivery.attempts else delivery.created_at
