"""The store's schema, brought up to date by Alembic and checked by every process.

Only ``channel db upgrade`` (the Procfile's ``release``) and the embedded ``serve`` and
``demo`` change the schema: web and worker processes, several at once, only check it
and stop with one line saying what to run. A store made before migrations existed
(the tables, no version) is recognised and stamped at the first revision."""
from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

FIRST = "0001"
UPGRADE_HINT = "run `channel db upgrade` (the Procfile's release step)"


class SchemaOutOfDate(RuntimeError):
    """The store is not at the schema this release needs."""


def _config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", "feeds.store:migrations")
    config.attributes["connection"] = connection
    return config


def head() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def history() -> list[tuple[str, str]]:
    """(revision, message) of each migration, oldest first."""
    scripts = ScriptDirectory.from_config(_config())
    return [(script.revision, script.doc) for script in reversed(list(scripts.walk_revisions()))]


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the store to the newest schema; (revision before, revision after)."""
    with engine.begin() as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        config = _config(connection)
        if before is None and inspect(connection).has_table("channels"):
            command.stamp(config, FIRST)
        command.upgrade(config, "head")
    return before, head()


def require_current(engine: Engine) -> None:
    """Raise ``SchemaOutOfDate``, saying what to run, unless the store is at head."""
    at, wanted = current(engine), head()
    if at != wanted:
        state = f"at revision {at}" if at else "not set up"
        raise SchemaOutOfDate(f"the store ({engine.url.render_as_string(hide_password=True)}) "
                              f"is {state}, this release needs {wanted}: {UPGRADE_HINT}")
