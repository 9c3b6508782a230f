"""The store: the same behaviour on SQLite and on PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from feeds.backend import Backend
from feeds.model import Entry, Video
from feeds.store.items import upsert_entries
from feeds.store.tables import Channel, Item, Source
from tests.conftest import make_settings

OFFSET = timezone(timedelta(hours=3, minutes=30))


@pytest.fixture
def store(database_url):
    backend = Backend.from_settings(make_settings(database_url))
    with backend.Session() as session:
        session.add(Channel(id="news", title="News", provider_name="News Co"))
        session.add(Source(id=1, channel_id="news", kind="rss", url="https://news.example/feed"))
        session.add(Source(id=2, channel_id="news", kind="rss", url="https://news.example/other"))
        session.commit()
    yield backend
    backend.close()


def entry(key: str, **fields) -> Entry:
    defaults = dict(title="Title " + key, url=f"https://news.example/{key}",
                    published=datetime(2018, 12, 30, 14, 52, 11, tzinfo=OFFSET),
                    body=["First paragraph.", "Second paragraph."], categories=["News", "World"])
    return Entry(key=key, **{**defaults, **fields})


def test_new_items_are_stored_with_their_fields_and_offset(store):
    with store.Session() as session:
        counts = upsert_entries(session, "news", 1, [entry("a"), entry("b", kind="video",
                                videos=[Video(url="https://v.example/a.m3u8", height=1080)], duration=62)])
        session.commit()
    assert (counts.new, counts.updated, counts.unchanged) == (2, 0, 0)
    with store.Session() as session:
        video = session.scalars(select(Item).where(Item.key == "b")).one()
        assert video.videos[0]["url"] == "https://v.example/a.m3u8"
        assert video.duration == 62
        assert video.categories == ["News", "World"]
        assert video.published_local.isoformat() == "2018-12-30T14:52:11+03:30"


def test_refreshing_the_same_entries_changes_nothing(store):
    for _ in range(2):
        with store.Session() as session:
            counts = upsert_entries(session, "news", 1, [entry("a"), entry("b")])
            session.commit()
    assert (counts.new, counts.updated, counts.unchanged) == (0, 0, 2)


def test_a_changed_article_updates_its_item_and_keeps_its_id(store):
    with store.Session() as session:
        upsert_entries(session, "news", 1, [entry("a")])
        session.commit()
        first_id = session.scalars(select(Item.id)).one()
    with store.Session() as session:
        counts = upsert_entries(session, "news", 1, [entry("a", title="Corrected title")])
        session.commit()
    assert counts.updated == 1
    with store.Session() as session:
        item = session.scalars(select(Item)).one()
        assert (item.id, item.title) == (first_id, "Corrected title")


def test_the_same_article_reached_by_canonical_url_is_one_item(store):
    with store.Session() as session:
        upsert_entries(session, "news", 1, [entry("guid-123", url="https://news.example/story")])
        upsert_entries(session, "news", 2, [entry("https://news.example/story",
                                                  url="https://news.example/story")])
        session.commit()
        assert session.scalar(select(func.count()).select_from(Item)) == 1


def test_an_item_that_drops_out_of_its_feed_is_kept(store):
    with store.Session() as session:
        upsert_entries(session, "news", 1, [entry("a"), entry("b")])
        session.commit()
        upsert_entries(session, "news", 1, [entry("b")])
        session.commit()
        assert sorted(session.scalars(select(Item.key))) == ["a", "b"]


def test_ids_are_short_url_safe_and_stable(store):
    with store.Session() as session:
        upsert_entries(session, "news", 1, [entry("https://news.example/a?x=1&y=2#frag")])
        session.commit()
        item_id = session.scalars(select(Item.id)).one()
    assert len(item_id) == 16 and item_id.isalnum() and item_id.islower()
    from feeds.store.ids import item_id as make_id
    assert make_id("news", "https://news.example/a?x=1&y=2#frag") == item_id


def test_deleting_a_channel_removes_its_sources_and_items(store):
    with store.Session() as session:
        upsert_entries(session, "news", 1, [entry("a")])
        session.commit()
        session.delete(session.get(Channel, "news"))
        session.commit()
        assert session.scalar(select(func.count()).select_from(Item)) == 0
        assert session.scalar(select(func.count()).select_from(Source)) == 0
