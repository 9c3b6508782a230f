"""The companion app's JSON API."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from sqlalchemy import select

from channel.context import backend, get_or_404
from channel.public import serve_snapshot
from feeds.dates import utcnow
from feeds.formats.companion import channel_document, item_document, item_summary
from feeds.formats.deeplink import MEDIA_TYPES, find_playable
from feeds.store import catalog
from feeds.store.checks import Invalid
from feeds.store.tables import Channel, Item

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_CONTENT_ID = 255


@bp.get("/channels")
def channels():
    with backend().Session() as session:
        rows = session.scalars(select(Channel).order_by(Channel.id))
        return jsonify({"channels": [channel_document(channel) for channel in rows]})


@bp.get("/channels/<channel>/home")
def home(channel: str):
    return serve_snapshot(channel, "home.json")


def _limit() -> int:
    raw = request.args.get("limit", "20")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= catalog.MAX_LIMIT:
        raise Invalid({"limit": f"must be a whole number from 1 to {catalog.MAX_LIMIT}"})
    return int(raw)


@bp.get("/channels/<channel>/items")
def items(channel: str):
    limit = _limit()
    with backend().Session() as session:
        get_or_404(session, Channel, channel, "channel")
        try:
            page = catalog.list_items(session, channel, category=request.args.get("category", ""),
                                      query=request.args.get("q", ""), limit=limit,
                                      cursor=request.args.get("cursor", ""))
        except catalog.BadCursor as exc:
            raise Invalid({"cursor": str(exc)}) from exc
        return jsonify({"items": [_summary(item, page) for item in page.items],
                        "next_cursor": page.next_cursor})


def _summary(item: Item, page: catalog.Page) -> dict:
    """An item of a page; when the page answers a search, with why it matched."""
    summary = item_summary(item)
    if request.args.get("q", "").strip():
        summary["snippet"] = page.snippets.get(item.id, "")
    return summary


@bp.get("/items/<item_id>")
def item(item_id: str):
    with backend().Session() as session:
        found = get_or_404(session, Item, item_id, "item")
        if not found.showing(utcnow()):
            abort(404, f"no item {item_id!r}")
        return jsonify(item_document(found, catalog.related_items(session, found)))


@bp.get("/channels/<channel>/deeplink")
def deeplink(channel: str):
    """What a deep link (``contentId`` + ``mediaType``) plays; a 404 sends the
    channel app to its home screen."""
    content_id = request.args.get("contentId", "")
    media_type = request.args.get("mediaType", "")
    if not content_id or len(content_id) > MAX_CONTENT_ID:
        raise Invalid({"contentId": f"is required, at most {MAX_CONTENT_ID} characters"})
    if media_type not in MEDIA_TYPES:
        raise Invalid({"mediaType": "must be one of " + ", ".join(MEDIA_TYPES)})
    with backend().Session() as session:
        item = session.get(Item, content_id)
        found = None if item is not None and not item.showing(utcnow()) else find_playable(
            session, get_or_404(session, Channel, channel, "channel"), content_id)
    if found is None:
        abort(404, f"no playable item {content_id!r} in channel {channel!r}")
    kind, roku_object = found
    if kind != media_type:
        abort(404, f"{content_id!r} is a {kind}, not a {media_type}")
    return jsonify({"id": content_id, "mediaType": kind, "title": roku_object["title"],
                    "item": roku_object})
