"""One publish of a channel: what it carried, its report, and what it changed on
the TV against the publish before it, another publish, or what is live."""
from __future__ import annotations

from flask import abort, render_template, request
from sqlalchemy.orm import Session

from channel.console import bp
from channel.console.health import titled
from channel.context import backend, get_or_404
from channel.publishes import publish_document
from feeds.formats.diff import diff_publishes
from feeds.rollback import bodies, live_bodies, off_air_now
from feeds.store import history
from feeds.store.tables import Channel, Publish


def find(session: Session, channel_id: str, publish_id: int) -> Publish:
    publish = history.find(session, channel_id, publish_id)
    if publish is None:
        abort(404, f"Channel {channel_id!r} has no publish {publish_id}.")
    return publish


def before(session: Session, channel_id: str, publish_id: int, against: str) -> dict[str, bytes]:
    """The bodies to compare with, as ``?against=`` of the API's diff says."""
    if against == "live":
        return live_bodies(session, channel_id)
    if against:
        if not against.isdigit():
            abort(400, "against must be a publish id or live")
        return bodies(session, find(session, channel_id, int(against)))
    earlier = history.publishes(session, channel_id, 1, publish_id)
    return bodies(session, earlier[0] if earlier else None)


@bp.get("/channels/<channel_id>/publishes/<int:publish_id>")
def publish(channel_id: str, publish_id: int):
    against = request.args.get("against", "")
    with backend().Session() as session:
        channel = get_or_404(session, Channel, channel_id, "channel")
        found = find(session, channel_id, publish_id)
        changes = diff_publishes(before(session, channel_id, publish_id, against), bodies(session, found))
        document = publish_document(found, history.live_publish_id(session, channel_id), full=True)
        left_out = titled(session, {e["id"]: e["reason"] for e in document["report"].get("left_out", [])})
        return render_template("console/publish.html", channel=channel, publish=document, left_out=left_out,
                               diff=changes, against=against or "previous",
                               hold=history.hold_document(channel),
                               back_on_air=[] if document["live"] else off_air_now(session, found))
