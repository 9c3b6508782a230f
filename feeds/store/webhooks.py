"""Webhooks: where a channel's events are sent, and every delivery with its attempts.

Ops add a URL and the events it wants; an event becomes one delivery per webhook that
wants it, with an idempotency key the receiver can use to ignore a repeat."""
from __future__ import annotations

import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from feeds.dates import utcnow
from feeds.store.checks import SOURCE_CHECKS, check_fields
from feeds.store.tables import Channel, Delivery, Webhook

EVENTS = ("published", "source.failing", "source.disabled", "channel.stale", "media.problem")


def _events(value: object) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(e, str) for e in value):
        raise ValueError(f"must be a list of events, from: {', '.join(EVENTS)}")
    unknown = [event for event in value if event not in EVENTS]
    if unknown:
        raise ValueError(f"unknown events {', '.join(unknown)}; known: {', '.join(EVENTS)}")
    return list(dict.fromkeys(value))


WEBHOOK_CHECKS = {"url": SOURCE_CHECKS["url"], "events": _events}


def add_webhook(session: Session, channel: Channel, data: object) -> Webhook:
    values = check_fields(data, WEBHOOK_CHECKS, ("url",))
    webhook = Webhook(channel_id=channel.id, url=values["url"], events=values.get("events", list(EVENTS)),
                      secret=secrets.token_hex(32))
    session.add(webhook)
    session.flush()
    return webhook


def webhooks_of(session: Session, channel_id: str) -> list[Webhook]:
    return list(session.scalars(select(Webhook).where(Webhook.channel_id == channel_id).order_by(Webhook.id)))


def queue_event(session: Session, channel_id: str, event: str, data: dict) -> list[Delivery]:
    """A delivery to each of the channel's webhooks that wants ``event``; the caller
    commits, then sends them."""
    deliveries = []
    for webhook in webhooks_of(session, channel_id):
        if event in webhook.events:
            key = uuid.uuid4().hex
            payload = {"id": key, "event": event, "channel": channel_id, "at": utcnow().isoformat(),
                       "data": data}
            deliveries.append(Delivery(webhook_id=webhook.id, event=event, key=key, payload=payload))
    session.add_all(deliveries)
    session.flush()
    return deliveries


def deliveries_of(session: Session, webhook_id: int, limit: int) -> list[Delivery]:
    return list(session.scalars(select(Delivery).where(Delivery.webhook_id == webhook_id)
                                .order_by(Delivery.id.desc()).limit(limit)))


def webhook_document(webhook: Webhook, with_secret: bool = False) -> dict:
    document = {"id": webhook.id, "channel": webhook.channel_id, "url": webhook.url,
                "events": webhook.events, "created_at": webhook.created_at.isoformat()}
    return document | {"secret": webhook.secret} if with_secret else document


def delivery_document(delivery: Delivery) -> dict:
    return {"id": delivery.id, "webhook": delivery.webhook_id, "event": delivery.event,
            "key": delivery.key, "status": delivery.status, "created_at": delivery.created_at.isoformat(),
            "attempts": delivery.attempts, "payload": delivery.payload}
