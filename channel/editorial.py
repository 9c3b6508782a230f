"""The admin API of editorial control: hide and pin items, a channel's rows, and
the audit log of every such change. Each change republishes its channel (debounced)."""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify

from channel.auth import actor, require_admin
from channel.context import backend, get_or_404
from channel.enqueue import republish
from channel.inputs import int_arg, read_json
from feeds.dates import utcnow
from feeds.store import audit, editorial
from feeds.store.tables import Channel, Item

bp = Blueprint("editorial", __name__, url_prefix="/admin/api")
bp.before_request(require_admin)
log = logging.getLogger("channel.editorial")
MAX_AUDIT = 200


@bp.patch("/items/<item_id>")
def change_item(item_id: str):
    now = utcnow()
    values = editorial.check_item_change(read_json(), now)
    with backend().Session() as session:
        item = get_or_404(session, Item, item_id, "item")
        actions = editorial.change_item(session, item, values, actor(), now)
        session.commit()
        document = editorial.item_document(item, now)
    if actions:
        republish(backend(), document["channel"], f"editorial ({actor()})")
    return jsonify(document)


@bp.get("/channels/<channel_id>/rows")
def get_rows(channel_id: str):
    with backend().Session() as session:
        return jsonify(editorial.rows_document(get_or_404(session, Channel, channel_id, "channel")))


@bp.put("/channels/<channel_id>/rows")
def put_rows(channel_id: str):
    rows = editorial.check_rows(read_json())
    with backend().Session() as session:
        channel = get_or_404(session, Channel, channel_id, "channel")
        changed = editorial.set_rows(session, channel, rows, actor())
        session.commit()
        document = editorial.rows_document(channel)
    if changed:
        republish(backend(), channel_id, f"editorial ({actor()})")
    return jsonify(document)


@bp.get("/channels/<channel_id>/audit")
def audit_log(channel_id: str):
    """Newest first; ``next`` pages back from the last entry shown."""
    limit = int_arg("limit", 50, 1, MAX_AUDIT)
    before = int_arg("before", None, 1, 2**62)
    with backend().Session() as session:
        get_or_404(session, Channel, channel_id, "channel")
        rows = audit.entries(session, channel_id, limit + 1, before)
        more, rows = len(rows) > limit, rows[:limit]
        return jsonify({"entries": [audit.document(entry) for entry in rows],
                        "next": f"?limit={limit}&before={rows[-1].id}" if more else None})
