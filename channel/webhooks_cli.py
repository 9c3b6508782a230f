"""``channel webhooks add|list|remove|deliveries``: a channel's webhooks at a terminal."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from channel.context import backend
from channel.db import store_ready
from feeds.store import audit
from feeds.store.checks import Invalid
from feeds.store.tables import Channel, Webhook
from feeds.store.webhooks import EVENTS, add_webhook, deliveries_of, webhooks_of

webhooks = AppGroup("webhooks", help="Where a channel's events are sent, and how it went.")


@store_ready()
@webhooks.command("add")
@click.argument("channel_id")
@click.argument("url")
@click.option("--event", "events", multiple=True, type=click.Choice(EVENTS), help="Default: every event.")
def add_command(channel_id: str, url: str, events: tuple[str, ...]) -> None:
    """Send the channel's events to URL (JSON, signed with the secret printed once)."""
    with backend().Session() as session:
        channel = session.get(Channel, channel_id)
        if channel is None:
            raise click.ClickException(f"no channel {channel_id!r}")
        try:
            webhook = add_webhook(session, channel, {"url": url, "events": list(events or EVENTS)})
        except Invalid as exc:
            raise click.ClickException(str(exc)) from exc
        audit.record(session, channel_id, "cli", "webhook.add", url, events=webhook.events)
        session.commit()
        click.echo(f"webhook {webhook.id}: {url} ({', '.join(webhook.events)})\nsecret: {webhook.secret}")


@store_ready()
@webhooks.command("list")
@click.argument("channel_id")
def list_command(channel_id: str) -> None:
    with backend().Session() as session:
        for webhook in webhooks_of(session, channel_id):
            click.echo(f"{webhook.id:>5}  {webhook.url}  {', '.join(webhook.events)}")


@store_ready()
@webhooks.command("remove")
@click.argument("webhook_id", type=int)
def remove_command(webhook_id: int) -> None:
    with backend().Session() as session:
        webhook = session.get(Webhook, webhook_id)
        if webhook is None:
            raise click.ClickException(f"no webhook {webhook_id}")
        audit.record(session, webhook.channel_id, "cli", "webhook.remove", webhook.url)
        session.delete(webhook)
        session.commit()
    click.echo(f"webhook {webhook_id} removed")


@store_ready()
@webhooks.command("deliveries")
@click.argument("webhook_id", type=int)
@click.option("--limit", type=click.IntRange(1, 200), default=20, show_default=True)
def deliveries_command(webhook_id: int, limit: int) -> None:
    """The newest deliveries, each with its attempts."""
    with backend().Session() as session:
        for delivery in deliveries_of(session, webhook_id, limit):
            tries = ", ".join(str(a.get("status") or a.get("error")) for a in delivery.attempts) or "none yet"
            click.echo(f"{delivery.id:>6}  {delivery.created_at:%Y-%m-%d %H:%M:%S}  {delivery.event:<16} "
                       f"{delivery.status:<9} attempts: {tries}")
