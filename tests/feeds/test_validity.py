"""Validity windows (``dcterms:valid``): read from Media RSS, carried into the Roku
feed, and an item outside its window leaves every feed at the next publish."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import orjson
import pytest

from feeds.dates import utcnow
from feeds.formats.deeplink import find_playable
from feeds.ingest.rss import parse_feed
from feeds.model import Entry, Video
from feeds.publish import publish_channel
from feeds.store import catalog
from feeds.store.items import upsert_entries
from feeds.store.schedule import publish_windows_turned
from feeds.store.tables import Channel, Item, Source

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)
MRSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:dcterms="http://purl.org/dc/terms/">
<channel><title>Clips</title><link>https://news.example/</link>
<item><guid>clip-1</guid><title>Match highlights</title><description>Goals and saves</description>
<media:content url="https://cdn.example/clip-1.m3u8" type="application/x-mpegURL" duration="95"/>
<dcterms:valid>start=2026-11-01T06:00:00+01:00;end=2026-11-08T00:00:00Z;scheme=W3C-DTF</dcterms:valid>
</item></channel></rss>"""


def test_dcterms_valid_gives_the_window_with_its_offsets_read():
    entry, = parse_feed(MRSS, "https://news.example/clips.xml").entries
    assert entry.valid_from == datetime(2026, 11, 1, 5, 0, tzinfo=timezone.utc)
    assert entry.valid_until == datetime(2026, 11, 8, tzinfo=timezone.utc)


@pytest.fixture
def store(backend):
    with backend.Session() as session:
        session.add(Channel(id="news", title="News", provider_name="News Co",
                            default_thumbnail="https://news.example/c.jpg"))
        session.add(Source(id=1, channel_id="news", kind="mrss", url="https://news.example/v"))
        session.commit()
    return backend


def clip(key: str, **window) -> Entry:
    return Entry(key=key, kind="video", title=f"Clip {key}", summary="word " * 30,
                 published=NOW - 5 * HOUR, categories=["News"], duration=60,
                 videos=[Video(url=f"https://cdn.example/{key}.m3u8", type="application/x-mpegURL",
                               height=1080)], **window)


def store_clips(store, *entries: Entry):
    with store.Session() as session:
        counts = upsert_entries(session, "news", 1, entries, NOW - 5 * HOUR)
        session.commit()
    return counts


def roku_ids(store, now: datetime) -> dict[str, dict]:
    with store.Session() as session:
        publish_channel(session, store.snapshots, "news", now=now)
    feed = orjson.loads(store.snapshots.get("news", "roku.json").body)
    return {video["id"]: video for video in feed.get("shortFormVideos", [])}


def test_an_item_airs_only_inside_its_window_and_says_so(store):
    store_clips(store, clip("always"), clip("now", valid_from=NOW - HOUR, valid_until=NOW + HOUR),
                clip("later", valid_from=NOW + HOUR), clip("over", valid_until=NOW - HOUR))
    shown = roku_ids(store, NOW)
    titles = {video["title"] for video in shown.values()}
    assert titles == {"Clip always", "Clip now"}
    windowed = next(video for video in shown.values() if video["title"] == "Clip now")
    assert windowed["content"]["validityPeriodStart"] == "2026-11-01T11:00:00+00:00"
    assert windowed["content"]["validityPeriodEnd"] == "2026-11-01T13:00:00+00:00"

    later = roku_ids(store, NOW + 2 * HOUR)
    assert {video["title"] for video in later.values()} == {"Clip always", "Clip later"}
    for name in ("mrss.xml", "search.json", "feed.json", "google.json", "home.json"):
        body = store.snapshots.get("news", name).body
        assert b"Clip later" in body and b"Clip now" not in body, name


def test_the_companion_api_and_deep_links_show_only_what_airs(store):
    # The listing and the deep link judge windows by the clock: windows around the real now.
    now = utcnow()
    store_clips(store, clip("always"), clip("now", valid_from=now - HOUR, valid_until=now + HOUR),
                clip("over", valid_until=now - HOUR), clip("later", valid_from=now + HOUR))
    with store.Session() as session:
        listed = sorted(item.title for item in catalog.list_items(session, "news").items)
        in_section = sorted(item.title for item in catalog.list_items(session, "news", category="News").items)
        channel = session.get(Channel, "news")
        playable = {item.title: find_playable(session, channel, item.id) is not None
                    for item in session.query(Item)}
    assert listed == in_section == ["Clip always", "Clip now"]
    assert playable == {"Clip always": True, "Clip now": True, "Clip over": False, "Clip later": False}


def test_a_window_that_turns_asks_for_a_publish_without_an_upstream_change(store):
    store_clips(store, clip("always"), clip("soon-over", valid_until=NOW + HOUR))
    roku_ids(store, NOW)
    asked: list[tuple[str, str]] = []

    def publish(channel: str, why: str) -> None:
        asked.append((channel, why))

    assert publish_windows_turned(store.Session, publish, NOW + HOUR / 2) == []
    assert publish_windows_turned(store.Session, publish, NOW + 2 * HOUR) == ["news"]
    assert asked == [("news", "validity window")]
    roku_ids(store, NOW + 2 * HOUR)
    assert publish_windows_turned(store.Session, publish, NOW + 3 * HOUR) == []


def test_a_held_channel_is_not_asked_to_publish_for_a_window_until_its_release(store):
    store_clips(store, clip("always"), clip("soon-over", valid_until=NOW + HOUR))
    roku_ids(store, NOW)
    asked: list[str] = []

    def hold(at: datetime | None) -> None:
        with store.Session() as session:
            session.get(Channel, "news").held_at = at
            session.commit()

    def ask(channel: str, why: str) -> None:
        asked.append(channel)

    hold(NOW + HOUR / 2)  # its publish would be refused: not asked at every tick
    assert publish_windows_turned(store.Session, ask, NOW + 2 * HOUR) == []
    hold(None)
    assert publish_windows_turned(store.Session, ask, NOW + 2 * HOUR) == ["news"]
    assert asked == ["news"]


def test_items_stored_without_a_window_do_not_look_changed_and_a_new_window_is_a_change(store):
    assert store_clips(store, clip("a")).new == 1
    assert store_clips(store, clip("a")).unchanged == 1
    assert store_clips(store, clip("a", valid_until=NOW + HOUR)).updated == 1
    assert store_clips(store, clip("a")).updated == 1
    with store.Session() as session:
        assert session.get(Item, session.query(Item.id).scalar()).valid_until is None
