"""``channel db upgrade|current|history``: the store's schema, for ops and the
Procfile's ``release`` step."""
from __future__ import annotations

import functools
from typing import Callable

import click
from flask.cli import AppGroup, with_appcontext

from channel.context import backend
from feeds.store import migrate

db = AppGroup("db", help="The store's schema: upgrade it, show where it is.")


@db.command("upgrade")
def upgrade_command() -> None:
    """Bring the store to the schema this release needs (safe to run again)."""
    before, after = migrate.upgrade(backend().engine)
    if before == after:
        click.echo(f"the store is at {after}, nothing to do")
    else:
        click.echo(f"the store went from {before or 'nothing'} to {after}")


@db.command("current")
def current_command() -> None:
    """The store's revision, and whether it is the one this release needs."""
    at, wanted = migrate.current(backend().engine), migrate.head()
    click.echo(f"{at or 'not set up'}" + (" (current)" if at == wanted else f" (this release needs {wanted})"))


@db.command("history")
def history_command() -> None:
    """Every revision, oldest first."""
    for revision, message in migrate.history():
        click.echo(f"{revision}  {message}")


def store_ready(*, upgrade: bool = False) -> Callable[[click.Command], click.Command]:
    """A command that runs once the store is ready: upgraded first (``serve`` and
    ``demo``, the embedded mode's single process), else checked, exiting with what
    to run when it is behind."""
    def decorate(command: click.Command) -> click.Command:
        callback = command.callback

        @functools.wraps(callback)
        def ready(*args, **kwargs):
            try:
                backend().prepare(upgrade=upgrade)
            except migrate.SchemaOutOfDate as exc:
                raise click.ClickException(str(exc)) from exc
            return callback(*args, **kwargs)

        command.callback = with_appcontext(ready)
        return command
    return decorate
