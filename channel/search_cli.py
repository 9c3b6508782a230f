"""``channel search rebuild [--channel C]``: index items again, should the index ever
be in doubt, or to remake PostgreSQL vectors stored before revision 0010 (made from
the whole body). A channel's language change reindexes its items by itself."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from channel.context import backend
from channel.db import store_ready
from feeds.store.search import rebuild
from feeds.store.tables import Channel

search = AppGroup("search", help="The search index of the companion API.")


@store_ready()
@search.command("rebuild")
@click.option("--channel", "channel_id", default=None, help="Only this channel's items.")
def rebuild_command(channel_id: str | None) -> None:
    """Index every item again (one channel's with --channel), in one transaction."""
    with backend().Session() as session:
        if channel_id and session.get(Channel, channel_id) is None:
            raise click.ClickException(f"no channel {channel_id!r}")
        count = rebuild(session, channel_id)
        session.commit()
    click.echo(f"reindexed {count} items" + (f" of channel {channel_id}" if channel_id else ""))
