"""The command line: ``flask --app channel …`` or ``python -m channel …``."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from channel.context import backend
from feeds import demo as demo_site
from feeds.tables import Source
from workers.jobs import publish, refresh


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Defaults to $PORT, else 8000.")
@with_appcontext
def serve_command(host: str, port: int | None) -> None:
    """Serve the channel with the embedded server (refreshes on a thread when no Redis)."""
    from werkzeug.serving import run_simple

    from workers.embedded import start

    current = backend()
    if current.settings.embedded:
        start(current)
    port = port or current.settings.port
    click.echo(f"serving on http://{host}:{port}/  (demo: /feeds/demo/roku.json)")
    run_simple(host, port, current_app._get_current_object(), threaded=True)


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the bundled demo channel, refresh its sources now and publish it."""
    current = backend()
    with current.Session() as session:
        demo_site.load_demo(session)
        ids = list(session.scalars(select(Source.id).where(Source.channel_id == demo_site.CHANNEL_ID)))
    failed = False
    for source_id in ids:
        report = refresh(current, source_id)
        failed |= report.status == "error"
        click.echo(f"source {source_id}: {report.status} new={report.new} "
                   f"updated={report.updated} unchanged={report.unchanged} {report.error}".rstrip())
    result = publish(current, demo_site.CHANNEL_ID)
    if result is None:
        raise click.ClickException("the demo channel could not be published")
    click.echo(f"published {result.items} items: {result.sizes}")
    if failed:
        raise SystemExit(1)


def register(app: Flask) -> None:
    for command in (serve_command, demo_command):
        app.cli.add_command(command)
