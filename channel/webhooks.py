"""The admin API of a channel's webhooks: add one (its signing secret is shown once),
list, remove, and see every delivery with its attempts."""
from __future__ import annotations

from flask import Blueprint, jsonify

from channel.auth import actor, require_admin
from channel.context import backend, get_or_404
from channel.inputs import int_arg, read_json
from feeds.store import audit
from feeds.store.tables import Channel, Webhook
from feeds.store.webhooks import add_webhook, deliveries_of, delivery_document, webhook_document, webhooks_of

bp = Blueprint("webhooks", __name__, url_prefix="/admin/api")
bp.before_request(require_admin)
MAX_DELIVERIES = 200


@bp.get("/channels/<channel_id>/webhooks")
def list_webhooks(channel_id: str):
    with backend().Session() as session:
        get_or_404(session, Channel, channel_id, "channel")
        return jsonify({"webhooks": [webhook_document(w) for w in webhooks_of(session, channel_id)]})


@bp.post("/channels/<channel_id>/webhooks")
def create_webhook(channel_id: str):
    data = read_json()
    with backend().Session() as session:
        webhook = add_webhook(session, get_or_404(session, Channel, channel_id, "channel"), data)
        audit.record(session, channel_id, actor(), "webhook.add", webhook.url, events=webhook.events)
        session.commit()
        return jsonify(webhook_document(webhook, with_secret=True)), 201


@bp.delete("/webhooks/<int:webhook_id>")
def delete_webhook(webhook_id: int):
    with backend().Session() as session:
        webhook = get_or_404(session, Webhook, webhook_id, "webhook")
        audit.record(session, webhook.channel_id, actor(), "webhook.remove", webhook.url)
        session.delete(webhook)
        session.commit()
    return "", 204


@bp.get("/webhooks/<int:webhook_id>/deliveries")
def list_deliveries(webhook_id: int):
    limit = int_arg("limit", 50, 1, MAX_DELIVERIES)
    with backend().Session() as session:
        get_or_404(session, Webhook, webhook_id, "webhook")
        return jsonify({"deliveries": [delivery_document(d) for d in deliveries_of(session, webhook_id, limit)]})
