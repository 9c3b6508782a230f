"""The admin API of a channel's publishes: history, diffs, dry runs, publish now,
restore an earlier publish (holding the channel) and release the hold."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from sqlalchemy.orm import Session

from channel.auth import actor, require_admin
from channel.context import backend, get_or_404
from channel.inputs import int_arg
from feeds import events
from feeds.formats.diff import diff_publishes
from feeds.publish import ChannelHeld, PublishError, publish_channel
from feeds.rollback import baseline, bodies, dry_run, off_air_now, release, restore
from feeds.store import audit, history
from feeds.store.tables import Channel, Publish
from workers.jobs import notify

bp = Blueprint("publishes", __name__, url_prefix="/admin/api/channels/<channel_id>")
bp.before_request(require_admin)
MAX_PAGE = 100


def publish_document(publish: Publish, live_id: int | None, full: bool = False) -> dict:
    report = publish.report or {}
    sizes = report.get("sizes", {})
    document = {"id": publish.id, "published_at": publish.published_at.isoformat(),
                "trigger": publish.trigger, "live": publish.id == live_id,
                "files": {name: {"etag": etag, "size": sizes.get(name)} for name, etag in publish.files.items()},
                "items": report.get("items"), "carried": report.get("carried", {}),
                "left_out": len(report.get("left_out", []))}
    return document | {"report": report} if full else document


def _find(session: Session, channel_id: str, publish_id: int) -> Publish:
    get_or_404(session, Channel, channel_id, "channel")
    publish = history.find(session, channel_id, publish_id)
    if publish is None:
        abort(404, f"no publish {publish_id} of channel {channel_id!r}")
    return publish


@bp.get("/publishes")
def list_publishes(channel_id: str):
    limit, before = int_arg("limit", 20, 1, MAX_PAGE), int_arg("cursor", None, 1, 2**62)
    with backend().Session() as session:
        get_or_404(session, Channel, channel_id, "channel")
        page = history.publishes(session, channel_id, limit + 1, before)
        live_id = history.live_publish_id(session, channel_id)
        more = len(page) > limit
        return jsonify({"publishes": [publish_document(p, live_id) for p in page[:limit]],
                        "next": str(page[limit - 1].id) if more else None})


@bp.get("/publishes/<int:publish_id>")
def get_publish(channel_id: str, publish_id: int):
    with backend().Session() as session:
        publish = _find(session, channel_id, publish_id)
        return jsonify(publish_document(publish, history.live_publish_id(session, channel_id), full=True))


@bp.get("/publishes/<int:publish_id>/diff")
def diff(channel_id: str, publish_id: int):
    """What ``publish_id`` changed against ``against`` (a publish id, or ``live``;
    by default the publish before it)."""
    against = request.args.get("against", "")
    with backend().Session() as session:
        publish = _find(session, channel_id, publish_id)
        try:
            before = baseline(session, channel_id, publish_id, against)
        except ValueError as exc:
            abort(400, str(exc))
        except LookupError as exc:
            abort(404, str(exc))
        return jsonify({"publish": publish_id, "against": against or "previous",
                        **diff_publishes(before, bodies(session, publish))})


@bp.post("/publishes/<int:publish_id>/restore")
def restore_publish(channel_id: str, publish_id: int):
    current = backend()
    with current.Session() as session:
        _find(session, channel_id, publish_id)
        again = restore(session, current.snapshots, channel_id, publish_id, actor(),
                        current.settings.retention())
        audit.record(session, channel_id, actor(), "restore", f"publish {publish_id}", publish=again.id)
        session.commit()
        return jsonify({"restored": publish_id, "publish": publish_document(again, again.id),
                        "hold": history.hold_document(session.get(Channel, channel_id)),
                        "back_on_air": off_air_now(session, again)})


@bp.post("/release")
def release_hold(channel_id: str):
    current = backend()
    with current.Session() as session:
        get_or_404(session, Channel, channel_id, "channel")
        try:
            report = release(session, current.snapshots, channel_id, current.settings.retention())
        except PublishError as exc:
            abort(422, f"released, but the channel could not be published: {exc}")
        audit.record(session, channel_id, actor(), "release")
        session.commit()
    notify(current, events.after_publish, report, f"release ({actor()})")
    return jsonify({"released": True, "report": report.to_dict()})


@bp.post("/publish")
def publish_now(channel_id: str):
    """Publish now, or with ``dry_run=1`` build and validate only and answer the diff
    against what is live."""
    current = backend()
    with current.Session() as session:
        get_or_404(session, Channel, channel_id, "channel")
        try:
            if request.args.get("dry_run") in ("1", "true", "yes"):
                report, changes = dry_run(session, current.snapshots, channel_id)
                return jsonify({"dry_run": True, "report": report.to_dict(), "diff": changes})
            trigger = f"ops ({actor()})"
            report = publish_channel(session, current.snapshots, channel_id, trigger=trigger,
                                     retention=current.settings.retention())
        except ChannelHeld as exc:
            abort(409, str(exc))
        except PublishError as exc:
            abort(422, str(exc))
        audit.record(session, channel_id, actor(), "publish")
        session.commit()
    notify(current, events.after_publish, report, trigger)
    return jsonify({"dry_run": False, "report": report.to_dict()})


@bp.get("/report")
def last_report(channel_id: str):
    """What the live publish left out and why, and its warnings."""
    with backend().Session() as session:
        get_or_404(session, Channel, channel_id, "channel")
        live_id = history.live_publish_id(session, channel_id)
        if live_id is None:
            abort(404, f"channel {channel_id!r} has not been published")
        publish = history.find(session, channel_id, live_id)
        return jsonify({"publish": live_id, "published_at": publish.published_at.isoformat(),
                        **(publish.report or {})})
