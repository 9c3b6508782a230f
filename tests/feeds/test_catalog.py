"""Reading items for the companion API, on SQLite and on PostgreSQL: cursor paging,
search, categories, and what a deep link resolves to."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import orjson
import pytest

from feeds import catalog
from feeds.backend import Backend
from feeds.items import upsert_entries
from feeds.model import Entry, Video
from feeds.roku import series_id
from feeds.tables import Channel, Source
from tests.conftest import make_settings

START = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(database_url):
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


def titles(result: catalog.Page) -> list[str]:
    return [item.title for item in result.items]


def test_cursor_paging_stays_correct_while_newer_items_arrive(store):
    add(store, [entry(f"old{n}", n) for n in range(10)])
    first = page(store, limit=4)
    add(store, [entry(f"new{n}", 100 + n) for n in range(3)])
    second = page(store, limit=4, cursor=first.next_cursor)
    third = page(store, limit=4, cursor=second.next_cursor)
    seen = titles(first) + titles(second) + titles(third)
    assert seen == [f"Story old{n}" for n in range(9, -1, -1)]
    assert third.next_cursor is None


def test_items_published_at_the_same_moment_are_neither_repeated_nor_skipped(store):
    add(store, [entry(f"same{n}", 0) for n in range(7)])
    seen, cursor = [], ""
    while True:
        result = page(store, limit=3, cursor=cursor)
        seen += titles(result)
        if not (cursor := result.next_cursor):
            break
    assert sorted(seen) == sorted(f"Story same{n}" for n in range(7)) and len(seen) == 7


def test_search_covers_title_summary_and_body_ignoring_case(store):
    add(store, [entry("t", 3, title="Budget vote tonight"),
                entry("s", 2, summary="The MINISTER resigned"),
                entry("b", 1, body=["Nothing here.", "Talks on the économie continue."]),
                entry("u", 0, title="Économie : la reprise")])
    assert titles(page(store, query="budget")) == ["Budget vote tonight"]
    assert titles(page(store, query="minister")) == ["Story s"]
    assert titles(page(store, query="Économie")) == ["Story b", "Économie : la reprise"]
    assert titles(page(store, query="talks économie")) == ["Story b"]
    assert titles(page(store, query="100%")) == []


def test_category_filter_matches_any_level_of_the_section_path(store):
    add(store, [entry("w", 1), entry("s", 0, categories=["Sport", "Football"])])
    assert titles(page(store, category="Football")) == ["Story s"]
    assert titles(page(store, category="World")) == ["Story w"]
    assert titles(page(store, category="Wor")) == []


@pytest.mark.parametrize("cursor", ["!!!", "e30", base64.urlsafe_b64encode(
    orjson.dumps(["2026-11-01T09:00:00", "x"])).decode()])
def test_a_cursor_we_did_not_make_is_refused(store, cursor):
    with pytest.raises(catalog.BadCursor):
        page(store, cursor=cursor)


def video(key: str, minutes: int) -> Entry:
    return entry(key, minutes, kind="video", duration=60,
                 videos=[Video(url=f"https://cdn.example/{key}.m3u8", type="application/x-mpegURL")])


def resolve(store, content_id: str):
    with store.Session() as session:
        return catalog.find_playable(session, session.get(Channel, "news"), content_id)


def ids(store) -> dict[str, str]:
    return {item.key: item.id for item in page(store, limit=100).items}


def test_find_playable_resolves_items_episodes_and_series(store):
    add(store, [video("clip", 5), entry("text", 6)])
    add(store, [video(f"ep{n}", n) for n in range(3)], source_id=2)
    known = ids(store)
    kind, clip = resolve(store, known["clip"])
    assert kind == "shortFormVideo" and clip["id"] == known["clip"]
    kind, episode = resolve(store, known["ep1"])
    assert kind == "episode" and episode["episodeNumber"] == 2
    kind, series = resolve(store, series_id("news", "Weekly Review"))
    assert kind == "series" and len(series["episodes"]) == 3
    assert resolve(store, known["text"]) is None
    assert resolve(store, "nothing") is None
