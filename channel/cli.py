"""The command line: ``flask --app channel …`` or ``python -m channel …``."""
from __future__ import annotations

import logging
import sys
import tomllib
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from channel import history_cli, items_cli, search_cli, validate_cli, webhooks_cli
from channel.context import backend
from channel.db import db, store_ready
from feeds import demo as demo_site
from feeds.publish import get_or_publish
from feeds.store import sources as ops
from feeds.store.checks import Invalid, check_channel, check_source
from feeds.store.items import BATCH_SIZE
from feeds.store.tables import Channel, Source
from workers.jobs import publish, refresh

EXPORTS = {"roku": "roku.json", "mrss": "mrss.xml", "search": "search.json", "jsonfeed": "feed.json",
           "google": "google.json"}


@store_ready(upgrade=True)
@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Defaults to $PORT, else 8000.")
@with_appcontext
def serve_command(host: str, port: int | None) -> None:
    """Serve the channel with the embedded server (refreshes on a thread when no Redis)."""
    from werkzeug.serving import make_server

    from workers.embedded import start

    current = backend()
    port = port or current.settings.port
    try:
        server = make_server(host, port, current_app._get_current_object(), threaded=True)
    except OSError as exc:
        raise click.ClickException(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from exc
    if current.settings.embedded:
        start(current)
    click.echo(f"serving on http://{host}:{server.port}/  (demo: /feeds/demo/roku.json)")
    server.serve_forever()


@store_ready(upgrade=True)
@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the bundled demo channel, refresh its sources now and publish it."""
    with backend().Session() as session:
        demo_site.load_demo(session)
        ids = list(session.scalars(select(Source.id).where(Source.channel_id == demo_site.CHANNEL_ID)))
    failed, _ = _refresh_all(ids)
    result = publish(backend(), demo_site.CHANNEL_ID, trigger="demo")
    if result is None:
        raise click.ClickException("the demo channel could not be published")
    click.echo(f"published {result.items} items: {result.sizes}")
    if failed:
        sys.exit(1)


def _refresh_all(ids: list[int]) -> tuple[bool, set[str]]:
    """Refresh each source with a progress bar; whether any failed, and the channels
    whose items changed. On a terminal, a source that has stored a full batch of items
    (a large feed's first refresh) also shows a bar of the items stored so far."""
    failed, changed = False, set()
    for source_id in tqdm(ids, desc="refreshing", unit="source", file=sys.stderr,
                          disable=len(ids) < 2):
        with _ItemsBar(f"source {source_id}") as stored, \
                logging_redirect_tqdm([logging.getLogger(name) for name in ("feeds", "workers")]):
            report = refresh(backend(), source_id, progress=stored)
        if report is None:
            tqdm.write(f"source {source_id}: skipped, already being refreshed")
            continue
        failed |= report.status == "error"
        if report.changed:
            changed.add(report.channel_id)
        tqdm.write(f"source {source_id}: {report.status} new={report.new} updated={report.updated} "
                   f"unchanged={report.unchanged} {report.error}".rstrip())
    return failed, changed


class _ItemsBar:
    """A bar of the items a refresh has stored, shown from its first full batch on (small
    feeds get none), on a terminal only."""

    def __init__(self, description: str) -> None:
        self.description, self.bar = description, None

    def __enter__(self) -> "_ItemsBar":
        return self

    def __call__(self, count: int) -> None:
        if self.bar is None and count >= BATCH_SIZE:
            self.bar = tqdm(desc=self.description, unit="item", file=sys.stderr, disable=None,
                            leave=False, mininterval=0, miniters=1)
        if self.bar is not None:
            self.bar.update(count - self.bar.n)

    def __exit__(self, *_) -> None:
        if self.bar is not None:
            self.bar.close()


@store_ready()
@click.command("refresh")
@click.argument("source_ids", nargs=-1, type=int)
@click.option("--channel", help="Refresh every source of this channel.")
@with_appcontext
def refresh_command(source_ids: tuple[int, ...], channel: str | None) -> None:
    """Refresh sources now and publish what changed. Exit 1 when any refresh failed."""
    ids = list(source_ids)
    with backend().Session() as session:
        if channel:
            ids += session.scalars(select(Source.id).where(Source.channel_id == channel))
    if not ids:
        raise click.UsageError("name source ids or --channel")
    failed, changed = _refresh_all(ids)
    for channel_id in sorted(changed):
        publish(backend(), channel_id, trigger="refresh (cli)")
    if failed:
        sys.exit(1)


@store_ready()
@click.command("export")
@click.option("--channel", required=True)
@click.option("--format", "fmt", type=click.Choice(sorted(EXPORTS)), default="roku", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="Default: stdout.")
@with_appcontext
def export_command(channel: str, fmt: str, output: str | None) -> None:
    """Write a channel's published feed."""
    current = backend()
    snapshot = get_or_publish(current.Session, current.snapshots, channel, EXPORTS[fmt])
    if snapshot is None:
        raise click.ClickException(f"channel {channel!r} has no publishable {fmt} feed")
    if output:
        Path(output).write_bytes(snapshot.body)
    else:
        sys.stdout.buffer.write(snapshot.body)


sources = AppGroup("sources", help="Add, list, remove and import sources.")


@store_ready()
@sources.command("add")
@click.option("--channel", required=True)
@click.option("--kind", required=True, type=click.Choice(["rss", "mrss", "article", "live"]))
@click.option("--url", required=True)
@click.option("--every", default="15m", show_default=True, help="Seconds, or 10m, 1h…")
@click.option("--category", default="")
@click.option("--title", default="")
def sources_add(channel: str, kind: str, url: str, every: str, category: str, title: str) -> None:
    with backend().Session() as session:
        source = _invalid_to_usage(lambda: ops.create_source(session, check_source(
            {"channel": channel, "kind": kind, "url": url, "every": every,
             "category": category, "title": title})))
        click.echo(f"added source {source.id}: {source.kind} {source.url} every {source.every}s")


@store_ready()
@sources.command("list")
@click.option("--channel", default=None)
def sources_list(channel: str | None) -> None:
    query = select(Source).order_by(Source.id)
    if channel:
        query = query.where(Source.channel_id == channel)
    with backend().Session() as session:
        for source in session.scalars(query):
            state = "enabled" if source.enabled else f"disabled ({source.disabled_reason or 'by ops'})"
            click.echo(f"{source.id:>5}  {source.channel_id:<12} {source.kind:<8} {source.every:>6}s  "
                       f"{state:<8} {source.url}")


@store_ready()
@sources.command("remove")
@click.argument("source_id", type=int)
def sources_remove(source_id: int) -> None:
    with backend().Session() as session:
        source = session.get(Source, source_id)
        if source is None:
            raise click.ClickException(f"no source {source_id}")
        session.delete(source)
        session.commit()
    click.echo(f"removed source {source_id}")


@store_ready()
@sources.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def sources_import(file: str) -> None:
    """Import ``[[channels]]`` and ``[[sources]]`` from a TOML file; running it
    twice changes nothing the second time."""
    try:
        data = tomllib.loads(Path(file).read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{file} is not valid TOML: {exc}") from exc
    channels, entries = data.get("channels", []), data.get("sources", [])
    errors, added, updated = [], 0, 0
    with backend().Session() as session:
        for number, values in enumerate(channels, 1):
            try:
                _import_channel(session, values)
            except Invalid as exc:
                errors.append(f"channels #{number}: {exc}")
        for number, values in enumerate(tqdm(entries, desc="importing", unit="source",
                                             file=sys.stderr), 1):
            try:
                created = _import_source(session, values)
            except Invalid as exc:
                errors.append(f"sources #{number} ({values.get('url', '?')}): {exc}")
                continue
            added, updated = added + created, updated + (not created)
    click.echo(f"{added} sources added, {updated} already there (updated), {len(errors)} refused")
    for line in errors:
        click.echo(line, err=True)
    if errors:
        sys.exit(1)


def _import_channel(session, values: dict) -> None:
    checked = check_channel(values)
    channel = session.get(Channel, checked["id"])
    if channel is None:
        ops.create_channel(session, checked)
    else:
        ops.update_channel(session, channel, {k: v for k, v in checked.items() if k != "id"})


def _import_source(session, values: dict) -> bool:
    checked = check_source(values)
    existing = ops.find_source(session, checked["channel"], checked["url"])
    if existing is None:
        ops.create_source(session, checked)
        return True
    changes = {k: v for k, v in checked.items() if k != "channel" and getattr(existing, k) != v}
    if changes:
        ops.update_source(session, existing, changes)
    return False


def _invalid_to_usage(action):
    try:
        return action()
    except Invalid as exc:
        raise click.ClickException(str(exc)) from exc


def register(app: Flask) -> None:
    for command in (serve_command, demo_command, refresh_command, export_command,
                    validate_cli.validate_command, sources, db, *history_cli.COMMANDS, items_cli.items,
                    search_cli.search, webhooks_cli.webhooks):
        app.cli.add_command(command)
