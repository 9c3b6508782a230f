"""``channel items hide|unhide|pin|unpin ID``: editorial control from the command line,
recorded in the audit log as "cli"."""
from __future__ import annotations

import click
import orjson
from flask.cli import AppGroup

from channel.context import backend
from channel.db import store_ready
from channel.enqueue import request_publish
from feeds.dates import utcnow
from feeds.store.checks import Invalid
from feeds.store.editorial import change_item, check_item_change, item_document
from feeds.store.tables import Item
from workers.jobs import publish

ACTOR = "cli"
items = AppGroup("items", help="Hide, unhide, pin and unpin items.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the item as JSON.")


@store_ready()
@items.command("hide")
@click.argument("item_id")
@json_option
def hide_command(item_id: str, as_json: bool) -> None:
    """Keep an item off every feed and the companion API (it stays stored)."""
    _change(item_id, {"hidden": True}, as_json)


@store_ready()
@items.command("unhide")
@click.argument("item_id")
@json_option
def unhide_command(item_id: str, as_json: bool) -> None:
    """Put a hidden item back."""
    _change(item_id, {"hidden": False}, as_json)


@store_ready()
@items.command("pin")
@click.argument("item_id")
@click.option("--until", "until", default=None, metavar="TIME",
              help="When the pin lapses: ISO 8601 with its offset, e.g. 2026-12-01T18:00:00+00:00.")
@json_option
def pin_command(item_id: str, until: str | None, as_json: bool) -> None:
    """Put an item first in Latest and in its section's row."""
    _change(item_id, {"pinned": True} | ({"until": until} if until else {}), as_json)


@store_ready()
@items.command("unpin")
@click.argument("item_id")
@json_option
def unpin_command(item_id: str, as_json: bool) -> None:
    """Let a pinned item fall back to its place."""
    _change(item_id, {"pinned": False}, as_json)


def _change(item_id: str, data: dict, as_json: bool) -> None:
    now = utcnow()
    try:
        values = check_item_change(data, now)
    except Invalid as exc:
        raise click.ClickException(str(exc)) from exc
    with backend().Session() as session:
        item = session.get(Item, item_id)
        if item is None:
            raise click.ClickException(f"no item {item_id!r}")
        actions = change_item(session, item, values, ACTOR, now)
        session.commit()
        document = item_document(item, now)
    published = _republish(document["channel"]) if actions else "nothing changed"
    if as_json:
        click.echo(orjson.dumps(document | {"actions": actions, "publish": published}))
    else:
        click.echo(_describe(document, actions, published))


def _republish(channel_id: str) -> str:
    """Production: a debounced publish by the workers. Embedded: publish now, as
    this process ends before a later one would start."""
    current = backend()
    if not current.settings.embedded:
        return "queued" if request_publish(current, channel_id, "editorial (cli)") else "already queued"
    return "published" if publish(current, channel_id, trigger="editorial (cli)") is not None else "not published (see the log)"


def _describe(document: dict, actions: list[str], published: str) -> str:
    state = "hidden" if document["hidden"] else "shown"
    if document["pinned"]:
        state += ", pinned" + (f" until {document['until']}" if document["until"] else "")
    done = ", ".join(actions) or "no change"
    return (f"item {document['id']} ({document['channel']}) {document['title']!r}: {state}\n"
            f"{done}; channel {published}")
