"""The admin API of WebSub: each feed source's hub, subscription state, lease and
pushes, and asking for its feed to be looked at again (after a denial, say). Every
call needs the admin token, as the rest of ``/admin/api``."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from channel.auth import require_admin
from channel.context import backend, get_or_404
from feeds.dates import utcnow
from feeds.settings import public_url
from feeds.store import websub as rows
from feeds.store.policy import PushPolling
from feeds.store.tables import Source, WebSubSubscription

bp = Blueprint("websub_admin", __name__, url_prefix="/admin/api")
bp.before_request(require_admin)


def _document(source: Source, row: WebSubSubscription | None) -> dict:
    settings = backend().settings
    pushed = None
    if settings.websub_enabled and row is not None and row.state == "active":
        pushed = PushPolling(settings.websub_poll_factor, settings.websub_poll_max).interval(source.every)
    return rows.subscription_document(source, row, public_url(), pushed)


@bp.get("/websub")
def list_subscriptions():
    """Every source's WebSub state (``?channel=`` for one channel's)."""
    query = (select(Source, WebSubSubscription)
             .outerjoin(WebSubSubscription, WebSubSubscription.source_id == Source.id)
             .order_by(Source.id))
    if channel := request.args.get("channel"):
        query = query.where(Source.channel_id == channel)
    with backend().Session() as session:
        return jsonify({"enabled": backend().settings.websub_enabled,
                        "subscriptions": [_document(source, row) for source, row in session.execute(query)]})


@bp.get("/sources/<int:source_id>/websub")
def source_subscription(source_id: int):
    with backend().Session() as session:
        source = get_or_404(session, Source, source_id, "source")
        return jsonify(_document(source, rows.for_source(session, source_id)))


@bp.post("/sources/<int:source_id>/websub/rediscover")
def rediscover(source_id: int):
    """Look at the source's feed again at the next tick; a denied, failed or expired
    subscription is asked for again."""
    with backend().Session() as session:
        source = get_or_404(session, Source, source_id, "source")
        row = rows.ask_again(session, source_id, utcnow())
        session.commit()
        return jsonify(_document(source, row)), 202
