"""The store's schema under Alembic, on SQLite and on PostgreSQL: a fresh store, a store
made before migrations existed, a store at revision 1 with data; what the tables
declare is what the migrations make; a process refuses a store that is behind."""
from __future__ import annotations

from datetime import datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from channel import BOOT_ERROR, create_app
from feeds.store import migrate
from feeds.store.engine import make_engine
from feeds.store.tables import Base
from tests.conftest import _reset_postgres, make_settings

WHEN = datetime(2026, 11, 30, 8, 0)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    """A store with no tables at all."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url = request.getfixturevalue("postgres_url")
    _reset_postgres(url)
    return url


@pytest.fixture
def engine(empty_url):
    engine = make_engine(empty_url)
    yield engine
    engine.dispose()


def at_revision(engine, revision: str) -> None:
    with engine.begin() as connection:
        command.upgrade(migrate._config(connection), revision)


def fill_revision_1(engine) -> None:
    """Rows as today's release writes them, in every table."""
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO channels (id, title, provider_name, language, timezone, default_thumbnail,"
            " created_at) VALUES ('news', 'News', 'News Ltd', 'en-GB', 'Europe/London', '', :when)"),
            {"when": WHEN})
        connection.execute(text(
            "INSERT INTO sources (id, channel_id, kind, url, title, description, thumbnail, category,"
            " every, enabled, options, next_due, failures, disabled_reason, created_at) VALUES"
            " (1, 'news', 'rss', 'https://news.example/feed', '', '', '', 'World', 900, :yes,"
            " '{\"follow_links\": true}', :when, 2, '', :when)"), {"when": WHEN, "yes": True})
        connection.execute(text(
            "INSERT INTO items (id, channel_id, source_id, key, kind, title, summary, body, body_html,"
            " image_url, image_caption, categories, tags, published, published_offset, url, author,"
            " language, videos, content_hash, first_seen, last_seen) VALUES ('abc', 'news', 1,"
            " 'https://news.example/a', 'article', 'Bridge opens', 'It opened.', '[\"One.\", \"Two.\"]',"
            " '<p>One.</p>', '', 'A caption', '[\"World\"]', '[]', :when, 210, 'https://news.example/a',"
            " 'A. Writer', 'en', '[]', 'hash', :when, :when)"), {"when": WHEN})
        connection.execute(text(
            "INSERT INTO runs (id, source_id, started, finished, status, new, updated, unchanged, error)"
            " VALUES (7, 1, :when, :when, 'ok', 1, 0, 0, '')"), {"when": WHEN})


def assert_rows_kept(engine) -> None:
    with engine.connect() as connection:
        channel = connection.execute(text("SELECT title, language, countries FROM channels")).one()
        source = connection.execute(text("SELECT url, failures, options FROM sources")).one()
        item = connection.execute(text("SELECT title, image_caption, published_offset, body FROM items")).one()
        run = connection.execute(text("SELECT id, status, new FROM runs")).one()
    assert channel[:2] == ("News", "en-GB") and channel[2] in ([], "[]")
    assert source[:2] == ("https://news.example/feed", 2) and "follow_links" in str(source[2])
    assert item[:3] == ("Bridge opens", "A caption", 210) and "Two." in str(item[3])
    assert tuple(run) == (7, "ok", 1)


def test_a_fresh_store_is_brought_to_the_newest_revision(engine):
    assert migrate.current(engine) is None
    assert migrate.upgrade(engine) == (None, migrate.head())
    assert migrate.current(engine) == migrate.head()
    assert migrate.upgrade(engine) == (migrate.head(), migrate.head())


def test_the_migrations_make_exactly_the_schema_the_tables_declare(engine):
    migrate.upgrade(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_a_store_at_revision_1_with_data_is_upgraded_losing_nothing(engine):
    at_revision(engine, "0001")
    fill_revision_1(engine)
    assert migrate.upgrade(engine) == ("0001", migrate.head())
    assert_rows_kept(engine)


def test_a_store_made_before_migrations_is_stamped_not_recreated(engine):
    at_revision(engine, "0001")
    fill_revision_1(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    assert migrate.current(engine) is None

    assert migrate.upgrade(engine) == (None, migrate.head())
    assert migrate.current(engine) == migrate.head()
    assert "countries" in {column["name"] for column in inspect(engine).get_columns("channels")}
    assert_rows_kept(engine)


def test_the_web_app_refuses_a_store_that_is_behind_and_says_what_to_run(engine, empty_url, capsys):
    at_revision(engine, "0001")
    with pytest.raises(SystemExit) as stopped:
        create_app(make_settings(empty_url))
    assert stopped.value.code == BOOT_ERROR
    message = capsys.readouterr().err
    assert "at revision 0001" in message and "channel db upgrade" in message
    assert "countries" not in {column["name"] for column in inspect(engine).get_columns("channels")}


def test_the_cli_upgrades_shows_and_refuses(empty_url):
    app = create_app(make_settings(empty_url), prepare=False)
    cli = app.test_cli_runner()

    refused = cli.invoke(args=["sources", "list"])
    assert refused.exit_code == 1 and "channel db upgrade" in refused.output
    assert "not set up" in cli.invoke(args=["db", "current"]).output

    upgraded = cli.invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0 and f"to {migrate.head()}" in upgraded.output
    assert cli.invoke(args=["db", "current"]).output.strip() == f"{migrate.head()} (current)"
    assert "nothing to do" in cli.invoke(args=["db", "upgrade"]).output
    history = cli.invoke(args=["db", "history"]).output.splitlines()
    revisions = [line.split()[0] for line in history]
    assert revisions[:4] == ["0001", "0002", "0003", "0004"] and revisions[-1] == migrate.head()
    assert cli.invoke(args=["sources", "list"]).exit_code == 0
    app.extensions["backend"].close()
