"""The channels list (health at a glance) and a channel's page: its sources, the
live publish's report, the publish history, rows, items and audit log."""
from __future__ import annotations

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from channel.console import bp
from channel.console.feedview import live_json, roku_entries
from channel.console.health import channel_health, every_channel, report_titles, titled
from channel.context import backend, get_or_404
from channel.publishes import publish_document
from feeds.dates import utcnow
from feeds.store import audit, editorial, history
from feeds.store import sources as ops
from feeds.store.tables import SOURCE_KINDS, Channel, Item

ITEMS_SHOWN = 50
PUBLISHES_SHOWN = 20
AUDIT_SHOWN = 10
SECTIONS_FROM = 500


@bp.get("/")
def index():
    with backend().Session() as session:
        return render_template("console/channels.html", rows=every_channel(session))


@bp.get("/channels/<channel_id>")
def channel(channel_id: str):
    with backend().Session() as session:
        health = channel_health(session, get_or_404(session, Channel, channel_id, "channel"))
        live_id = health.live["id"] if health.live else None
        left_out = {entry["id"]: entry["reason"] for entry in health.report.get("left_out", [])}
        return render_template(
            "console/channel.html", health=health, channel=health.channel, kinds=SOURCE_KINDS,
            runs={s["id"]: last_run(session, s["id"]) for s in health.sources},
            publishes=[publish_document(p, live_id)
                       for p in history.publishes(session, channel_id, PUBLISHES_SHOWN)],
            left_out=titled(session, left_out), titles=report_titles(session, health.report),
            items=recent_items(session, channel_id, left_out, set(roku_entries(live_json(channel_id, "roku.json")))),
            rows=editorial.rows_document(session.get(Channel, channel_id))["rows"] or [],
            sections=sections(session, channel_id),
            audit=[audit.document(e) for e in audit.entries(session, channel_id, AUDIT_SHOWN)])


def last_run(session: Session, source_id: int) -> dict | None:
    runs = ops.recent_runs(session, source_id, 1)
    return ops.run_document(runs[0]) if runs else None


def recent_items(session: Session, channel_id: str, left_out: dict[str, str],
                 carried: set[str]) -> list[dict]:
    """The newest items we hold, hidden ones too, each with what the feeds do with it."""
    now = utcnow()
    found = session.scalars(select(Item).where(Item.channel_id == channel_id)
                            .order_by(Item.published.desc()).limit(ITEMS_SHOWN))
    return [{**editorial.item_document(item, now), "kind": item.kind, "published": item.published,
             "state": item_state(item, left_out, carried)} for item in found]


def item_state(item: Item, left_out: dict[str, str], carried: set[str]) -> str:
    """Where the item is, in the words of the live publish."""
    if item.id in carried:
        return "on the TV" + (" (hidden: leaves at the next publish)" if item.hidden else "")
    if item.hidden:
        return "hidden"
    if not item.showing(utcnow()):
        return "outside its validity window"
    if item.id in left_out:
        return f"left out: {left_out[item.id]}"
    if not item.videos and item.kind != "live":
        return "text only: companion app"
    return "not published yet"


def sections(session: Session, channel_id: str) -> list[str]:
    """Section names seen in the newest items, to suggest for rows."""
    found = session.scalars(select(Item.categories).where(Item.channel_id == channel_id)
                            .order_by(Item.published.desc()).limit(SECTIONS_FROM))
    return sorted({str(categories[0]) for categories in found if categories})
