"""The admin API: channels, sources, refresh now, run history. Every call needs
``Authorization: Bearer <CHANNEL_ADMIN_TOKEN>``; with no token configured, every
call is refused."""
from __future__ import annotations

import contextlib
import logging

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from channel.auth import actor, require_admin
from channel.context import backend, get_or_404
from channel.enqueue import enqueue_refresh, republish
from channel.errors import error_response
from channel.inputs import int_arg, read_json
from feeds.snapshots import CacheUnavailable
from feeds.store import audit
from feeds.store import sources as ops
from feeds.store.checks import check_channel, check_source
from feeds.store.runs import queue_run, refuse_run
from feeds.store.tables import Channel, Run, Source
from workers.jobs import refresh_and_publish

bp = Blueprint("admin", __name__, url_prefix="/admin/api")
log = logging.getLogger("channel.admin")
MAX_RUNS = 200


bp.before_request(require_admin)


@bp.get("/channels")
def list_channels():
    with backend().Session() as session:
        rows = session.scalars(select(Channel).order_by(Channel.id))
        return jsonify({"channels": [ops.channel_admin_document(c) for c in rows]})


@bp.post("/channels")
def create_channel():
    values = check_channel(read_json())
    with backend().Session() as session:
        channel = ops.create_channel(session, values)
        _audit(session, channel.id, "channel.add", channel.id, title=channel.title)
        return jsonify(ops.channel_admin_document(channel)), 201


@bp.get("/channels/<channel_id>")
def get_channel(channel_id: str):
    with backend().Session() as session:
        return jsonify(ops.channel_admin_document(get_or_404(session, Channel, channel_id, "channel")))


@bp.patch("/channels/<channel_id>")
def change_channel(channel_id: str):
    values = check_channel(read_json(), partial=True)
    with backend().Session() as session:
        channel = ops.update_channel(session, get_or_404(session, Channel, channel_id, "channel"), values)
        document = ops.channel_admin_document(channel)
        if values:
            _audit(session, channel_id, "channel.change", channel_id, fields=sorted(values))
    if values:
        republish(backend(), channel_id, f"setting change ({actor()})")
    return jsonify(document)


@bp.delete("/channels/<channel_id>")
def delete_channel(channel_id: str):
    with backend().Session() as session:
        session.delete(get_or_404(session, Channel, channel_id, "channel"))
        session.commit()
    log.info("channel removed", extra={"event": "audit", "channel": channel_id, "actor": actor()})
    with contextlib.suppress(CacheUnavailable):
        backend().snapshots.forget(channel_id)
    return "", 204


@bp.get("/sources")
def list_sources():
    query = select(Source).order_by(Source.id)
    if channel := request.args.get("channel"):
        query = query.where(Source.channel_id == channel)
    with backend().Session() as session:
        return jsonify({"sources": [ops.source_document(s) for s in session.scalars(query)]})


@bp.post("/sources")
def create_source():
    values = check_source(read_json())
    with backend().Session() as session:
        source = ops.create_source(session, values)
        _audit(session, source.channel_id, "source.add", source.url, source=source.id, kind=source.kind)
        return jsonify(ops.source_document(source)), 201


@bp.get("/sources/<int:source_id>")
def get_source(source_id: int):
    with backend().Session() as session:
        return jsonify(ops.source_document(get_or_404(session, Source, source_id, "source")))


@bp.patch("/sources/<int:source_id>")
def change_source(source_id: int):
    values = check_source(read_json(), partial=True)
    with backend().Session() as session:
        source = ops.update_source(session, get_or_404(session, Source, source_id, "source"), values)
        if values:
            _audit(session, source.channel_id, "source.change", source.url, source=source.id,
                   fields=sorted(values))
        return jsonify(ops.source_document(source))


@bp.delete("/sources/<int:source_id>")
def delete_source(source_id: int):
    with backend().Session() as session:
        source = get_or_404(session, Source, source_id, "source")
        _audit(session, source.channel_id, "source.remove", source.url, source=source.id)
        session.delete(source)
        session.commit()
    return "", 204


def _audit(session, channel_id: str, action: str, target: str, **details) -> None:
    """Ops' changes to channels and sources go in the channel's audit log (a channel's
    removal takes its log with it: the server's log says who removed it)."""
    audit.record(session, channel_id, actor(), action, target, **details)
    session.commit()


@bp.post("/sources/<int:source_id>/refresh")
def refresh_now(source_id: int):
    current = backend()
    with current.Session() as session:
        get_or_404(session, Source, source_id, "source")
    run_id = queue_run(current.Session, source_id)
    if request.args.get("wait") in ("1", "true", "yes"):
        refresh_and_publish(current, source_id, run_id)
        with current.Session() as session:
            return jsonify(ops.run_document(session.get(Run, run_id)))
    try:
        enqueue_refresh(current, source_id, run_id)
    except Exception as exc:
        refuse_run(current.Session, run_id, f"could not enqueue the refresh: {exc}")
        return error_response(503, "the task queue is unreachable; nothing was queued", run_id=run_id)
    return jsonify({"run_id": run_id, "status": "queued",
                    "runs": f"/admin/api/sources/{source_id}/runs"}), 202



@bp.get("/sources/<int:source_id>/runs")
def runs(source_id: int):
    limit = int_arg("limit", 20, 1, MAX_RUNS)
    before = int_arg("before", None, 1, 2**62)
    with backend().Session() as session:
        get_or_404(session, Source, source_id, "source")
        rows = ops.recent_runs(session, source_id, limit, before)
        more = len(rows) == limit
        return jsonify({"runs": [ops.run_document(run) for run in rows],
                        "next": f"?limit={limit}&before={rows[-1].id}" if more and rows else None})
