"""The public feeds that set-top boxes poll. The hot path: a published snapshot,
no database, nothing built."""
from __future__ import annotations

from flask import Blueprint, abort, send_file

from channel.context import backend
from channel.serving import snapshot_response
from feeds.demo import site_file
from feeds.publish import get_or_publish

bp = Blueprint("public", __name__)


def serve_snapshot(channel: str, name: str):
    current = backend()
    snapshot = get_or_publish(current.Session, current.snapshots, channel, name)
    if snapshot is None:
        abort(404, f"channel {channel!r} has no published {name}")
    return snapshot_response(snapshot)


@bp.get("/feeds/<channel>/roku.json")
def roku(channel: str):
    return serve_snapshot(channel, "roku.json")


@bp.get("/feeds/<channel>/mrss.xml")
def mrss(channel: str):
    return serve_snapshot(channel, "mrss.xml")


@bp.get("/feeds/<channel>/search.json")
def search(channel: str):
    return serve_snapshot(channel, "search.json")


@bp.get("/feeds/<channel>/feed.json")
def json_feed(channel: str):
    return serve_snapshot(channel, "feed.json")


@bp.get("/feeds/<channel>/google.json")
def google(channel: str):
    return serve_snapshot(channel, "google.json")


@bp.get("/demo-site/<path:path>")
def demo_site(path: str):
    """The bundled demo publisher's files, so a browser can show the demo's images."""
    found = site_file(path)
    if found is None:
        abort(404, "no such demo file")
    return send_file(found, max_age=3600)
