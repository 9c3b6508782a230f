"""Publishing a channel: every format built once, validated, swapped in whole."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import feedparser
import orjson
import pytest
from sqlalchemy import select

import feeds.publish
from feeds.backend import Backend
from feeds.formats.roku import series_id
from feeds.formats.validate import validate_feed, validate_search_feed
from feeds.model import Entry, Video
from feeds.publish import PublishError, publish_channel
from feeds.store.items import upsert_entries
from feeds.store.tables import Channel, Publish, Source
from tests.conftest import make_settings

START = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)
NAMES = ("roku.json", "search.json", "mrss.xml", "google.json", "home.json", "feed.json")
VIDEO_NAMES = ("roku.json", "search.json", "mrss.xml", "google.json")


@pytest.fixture
def store(backend):
    with backend.Session() as session:
        session.add(Channel(id="news", title="News", provider_name="News Co",
                            default_thumbnail="https://news.example/c.jpg"))
        session.add(Source(id=1, channel_id="news", kind="mrss", url="https://news.example/v"))
        session.add(Source(id=2, channel_id="news", kind="mrss", url="https://news.example/weekly",
                           options={"roku_type": "series", "series": "Weekly Review"}))
        session.commit()
    return backend


def video(key: str, hours: int = 0, **fields) -> Entry:
    values = dict(kind="video", title=f"Video {key}", summary="word " * 30,
                  published=START + timedelta(hours=hours), categories=["News"],
                  videos=[Video(url=f"https://cdn.example/{key}.m3u8", type="application/x-mpegURL",
                                height=1080)], duration=60)
    return Entry(key=key, **{**values, **fields})


def add(store, entries, source_id: int = 1) -> None:
    with store.Session() as session:
        upsert_entries(session, "news", source_id, entries)
        session.commit()


def publish(store, **kwargs):
    with store.Session() as session:
        return publish_channel(session, store.snapshots, "news", **kwargs)


def body(store, name: str) -> bytes:
    return store.snapshots.get("news", name).body


def test_a_publish_builds_every_format_and_reports_it(store):
    add(store, [video("a", 2), video("b", 1, videos=[Video(url="https://cdn.example/b.mp4", type="video/mp4")]),
                Entry(key="text", title="Words only", published=START)])
    report = publish(store)
    assert validate_feed(orjson.loads(body(store, "roku.json"))) == []
    assert validate_search_feed(orjson.loads(body(store, "search.json"))) == []
    assert not feedparser.parse(body(store, "mrss.xml")).bozo
    assert store.snapshots.get("news", "mrss.xml").content_type == "application/rss+xml; charset=utf-8"
    assert report.sizes == {name: len(body(store, name)) for name in NAMES}
    assert report.items == 3 and report.text_only == 1
    assert report.carried == {"roku.json": 1, "search.json": 1, "mrss.xml": 1, "google.json": 1,
                              "feed.json": 3}
    [left] = report.left_out
    assert left["reason"] == "no playable video: MP4 without bitrate"
    with store.Session() as session:
        [record] = session.scalars(select(Publish))
    assert record.report == report.to_dict() and record.channel_id == "news"
    assert record.files == {name: store.snapshots.get("news", name).etag for name in NAMES}


def test_a_build_that_fails_validation_leaves_the_last_good_one(store, monkeypatch):
    add(store, [video("a")])
    publish(store)
    before = {name: store.snapshots.get("news", name) for name in NAMES}
    add(store, [video("b", 1)])

    real_builder = feeds.publish.build_roku_feed

    def broken(*args, **kwargs):
        build = real_builder(*args, **kwargs)
        del build.doc["providerName"]
        return build

    monkeypatch.setattr(feeds.publish, "build_roku_feed", broken)
    with pytest.raises(PublishError, match="roku feed invalid"):
        publish(store)
    after = {name: store.snapshots.get("news", name) for name in NAMES}
    assert {n: s.etag for n, s in after.items()} == {n: s.etag for n, s in before.items()}


def test_an_invalid_search_feed_is_refused_too(store, monkeypatch):
    add(store, [video("a")])
    monkeypatch.setattr(feeds.publish, "build_search_feed", lambda *a: {"version": "2", "assets": []})
    with pytest.raises(PublishError, match="search feed invalid"):
        publish(store)
    assert store.snapshots.get("news", "roku.json") is None


def test_an_unchanged_channel_keeps_its_etags_and_a_new_item_changes_them(store):
    add(store, [video("a")])
    publish(store)
    first = store.snapshots.get("news", "roku.json")
    assert sorted(publish(store).unchanged) == sorted(NAMES)
    assert store.snapshots.get("news", "roku.json") is first
    add(store, [video("b", 1)])
    assert "roku.json" not in publish(store).unchanged
    assert store.snapshots.get("news", "roku.json").etag != first.etag


def test_the_roku_feed_stays_under_its_budget_and_the_report_says_what_was_cut(store):
    add(store, [video(f"v{n:03}", n, summary="word " * 90) for n in range(200)])
    report = publish(store, budget=50 * 1024)
    assert report.sizes["roku.json"] <= 50 * 1024
    doc = orjson.loads(body(store, "roku.json"))
    carried = len(doc["shortFormVideos"])
    assert report.carried["roku.json"] == carried and report.carried["search.json"] == 200
    assert len(report.left_out) == 200 - carried
    assert {entry["reason"] for entry in report.left_out} == {"over the 50 KB budget"}
    assert doc["shortFormVideos"][0]["title"] == "Video v199"


def test_a_source_declared_as_a_series_publishes_a_series(store):
    add(store, [video(f"w{n}", n) for n in range(3)], source_id=2)
    publish(store)
    [series] = orjson.loads(body(store, "roku.json"))["series"]
    assert series["id"] == series_id("news", "Weekly Review")
    assert [e["episodeNumber"] for e in series["episodes"]] == [1, 2, 3]
    assets = orjson.loads(body(store, "search.json"))["assets"]
    assert [a["type"] for a in assets] == ["series", "episode", "episode", "episode"]


def test_a_channel_with_nothing_playable_still_gets_its_companion_home(store):
    add(store, [Entry(key="text", title="Words only", summary="An article.", published=START)])
    report = publish(store)
    assert store.snapshots.get("news", "home.json") is not None
    [article] = orjson.loads(body(store, "feed.json"))["items"]
    assert article["content_text"] == "An article." and "attachments" not in article
    assert all(store.snapshots.get("news", name) is None for name in VIDEO_NAMES)
    assert report.not_published == {name: "nothing playable yet" for name in VIDEO_NAMES}
    add(store, [video("a")])
    assert publish(store).not_published == {}
    assert store.snapshots.get("news", "roku.json") is not None


def test_publishes_of_one_channel_at_once_all_land(database_url):
    """A refresh's publish and an editor's, at the same moment, on SQLite and PostgreSQL."""
    store = Backend.from_settings(make_settings(database_url))
    with store.Session() as session:
        session.add(Channel(id="news", title="News", default_thumbnail="https://news.example/c.jpg"))
        session.add(Source(id=1, channel_id="news", kind="mrss", url="https://news.example/v"))
        session.commit()
    add(store, [video("a", 2), video("b", 1)])
    errors: list[BaseException] = []

    def one() -> None:
        try:
            with store.Session() as session:
                publish_channel(session, store.snapshots, "news")
        except BaseException as exc:  # the test reports whatever a publish raised
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with store.Session() as session:
        assert len(list(session.scalars(select(Publish)))) == 4
    store.close()
