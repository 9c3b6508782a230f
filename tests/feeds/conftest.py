"""Fixtures of the domain's tests: a channel with an RSS source and a series source,
on SQLite and on PostgreSQL, and helpers to fill it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from feeds.backend import Backend
from feeds.model import Entry
from feeds.store import catalog
from feeds.store.items import upsert_entries
from feeds.store.tables import Channel, Source
from tests.conftest import make_settings
from tests.feeds.site import site, site_server  # noqa: F401  (fixtures: the local publisher)

START = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def catalog_store(database_url):
    backend = Backend.from_settings(make_settings(database_url))
    with backend.Session() as session:
        session.add(Channel(id="news", title="News", default_thumbnail="https://news.example/c.jpg"))
        session.add(Source(id=1, channel_id="news", kind="rss", url="https://news.example/feed"))
        session.add(Source(id=2, channel_id="news", kind="mrss", url="https://news.example/weekly",
                           options={"roku_type": "series", "series": "Weekly Review"}))
        session.commit()
    yield backend
    backend.close()


def entry(key: str, minutes: int = 0, **fields) -> Entry:
    values = dict(title=f"Story {key}", published=START + timedelta(minutes=minutes),
                  categories=["News", "World"], body=["First.", "Second."])
    return Entry(key=key, **{**values, **fields})


def add(store, entries, source_id: int = 1) -> None:
    with store.Session() as session:
        upsert_entries(session, "news", source_id, entries)
        session.commit()


def page(store, **kwargs) -> catalog.Page:
    with store.Session() as session:
        return catalog.list_items(session, "news", **kwargs)
