"""An item: what we stored, what each live feed shows of it (or why it is not
there), its tile, and hide/unhide and pin/unpin (the API's PATCH of the item)."""
from __future__ import annotations

import orjson
from flask import render_template

from channel.console import bp
from channel.console.feedview import live_json, mrss_entry, playlists_with, roku_entries, search_asset
from channel.context import backend, get_or_404
from feeds.dates import utcnow
from feeds.formats.companion import item_document
from feeds.store import editorial, history
from feeds.store.tables import Item, Source


def pretty(document: object) -> str:
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()


def left_out_reason(session, channel_id: str, item_id: str) -> str | None:
    live_id = history.live_publish_id(session, channel_id)
    live = history.find(session, channel_id, live_id) if live_id else None
    reasons = {e["id"]: e["reason"] for e in ((live.report or {}).get("left_out", []) if live else [])}
    return reasons.get(item_id)


@bp.get("/items/<item_id>")
def item(item_id: str):
    with backend().Session() as session:
        found = get_or_404(session, Item, item_id, "item")
        channel_id = found.channel_id
        roku = live_json(channel_id, "roku.json")
        where, entry = roku_entries(roku).get(item_id, (None, None))
        asset = search_asset(live_json(channel_id, "search.json"), item_id)
        return render_template(
            "console/item.html", item=found, channel_id=channel_id,
            source=session.get(Source, found.source_id) if found.source_id else None,
            edit=editorial.item_document(found, utcnow()),
            airing=found.showing(utcnow()),
            companion=pretty(item_document(found)) if found.showing(utcnow()) else None,
            reason=left_out_reason(session, channel_id, item_id),
            roku_list=where, roku=pretty(entry) if entry else None, tile=(entry or {}).get("thumbnail"),
            playlists=playlists_with(roku, item_id), search=pretty(asset) if asset else None,
            mrss=mrss_entry(channel_id, item_id))
