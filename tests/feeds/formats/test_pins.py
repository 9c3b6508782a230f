"""Pins and a channel's rows in the builders: the Roku feed's playlists, the budget,
MRSS order and the companion home rows, on a fixed clock; a pin lapses at its until."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import orjson
from lxml import etree

from feeds.formats.companion import home_document
from feeds.formats.mrss import build_mrss
from feeds.formats.roku import Shape, build_roku_feed, series_id
from feeds.formats.roku_cache import ItemCache
from feeds.formats.validate import validate_feed
from feeds.store.tables import Channel, Item

UTC = timezone.utc
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
HLS = {"url": "https://cdn.example/v/master.m3u8", "type": "application/x-mpegURL", "height": 1080}


def make_channel(**fields) -> Channel:
    values = dict(id="news", title="News", provider_name="News Co", language="en",
                  timezone="UTC", default_thumbnail="https://news.example/channel.jpg")
    return Channel(**{**values, **fields})


def make_item(ident: str, hours: int = 0, section: str = "News", **fields) -> Item:
    """An item published ``hours`` before NOW, with a content hash (so the cache keeps it)."""
    published = NOW - timedelta(hours=hours)
    values = dict(channel_id="news", source_id=1, key=ident, kind="video", title=f"Title {ident}",
                  summary=f"Summary of {ident}.", body=[], body_html="",
                  image_url=f"https://news.example/{ident}.jpg", image_caption="",
                  categories=[section], tags=[], published=published, published_offset=0,
                  updated=None, url=f"https://news.example/{ident}", author="", language="en",
                  videos=[HLS], duration=90, content_hash=f"hash-{ident}", first_seen=published,
                  last_seen=published, hidden=False, pinned_at=None, pin_until=None)
    return Item(id=ident, **{**values, **fields})


def pin(item: Item, minutes_ago: int, until: datetime | None = None) -> Item:
    item.pinned_at, item.pin_until = NOW - timedelta(minutes=minutes_ago), until
    return item


def playlists(doc: dict) -> dict[str, list[str]]:
    return {p["name"]: p["itemIds"] for p in doc.get("playlists", [])}


def build(items, channel=None, now=NOW, **kwargs):
    return build_roku_feed(channel or make_channel(), items, now, budget=None, cache=None, **kwargs)


def newsroom() -> list[Item]:
    return [make_item("a", 1), make_item("b", 2, "Sport"), make_item("c", 3), make_item("d", 4, "Sport"),
            make_item("e", 5)]


def test_pinned_items_come_first_in_latest_and_in_their_section_most_recently_pinned_first():
    items = newsroom()
    pin(items[4], minutes_ago=30)
    pin(items[2], minutes_ago=5)
    pin(items[3], minutes_ago=10)
    doc = build(items).doc
    assert validate_feed(doc) == []
    assert playlists(doc) == {"Latest": ["c", "d", "e", "a", "b"], "News": ["c", "e", "a"],
                              "Sport": ["d", "b"]}
    assert [c["name"] for c in doc["categories"]] == ["Latest", "News", "Sport"]


def test_without_pins_the_playlists_are_newest_first():
    doc = build(newsroom()).doc
    assert playlists(doc) == {"Latest": ["a", "b", "c", "d", "e"], "News": ["a", "c", "e"],
                              "Sport": ["b", "d"]}


def test_a_pin_lapses_at_its_until():
    until = NOW + timedelta(hours=1)
    items = newsroom()
    pin(items[4], minutes_ago=1, until=until)
    assert playlists(build(items, now=until - timedelta(seconds=1)).doc)["Latest"][0] == "e"
    assert playlists(build(items, now=until).doc)["Latest"] == ["a", "b", "c", "d", "e"]


def test_a_pin_reorders_a_cached_build_and_changes_no_items_bytes():
    cache = ItemCache()
    items = newsroom()
    first = build_roku_feed(make_channel(), items, NOW, budget=None, cache=cache)
    made_before = {row[1]: row[2] for row in first.rows}
    pin(items[3], minutes_ago=1)
    second = build_roku_feed(make_channel(), items, NOW, budget=None, cache=cache)
    assert playlists(orjson.loads(second.to_bytes()))["Latest"][0] == "d"
    assert all(row[2] is made_before[row[1]] for row in second.rows), "items were made again"
    assert second.doc["shortFormVideos"] == first.doc["shortFormVideos"]
    items[3].pinned_at = None
    third = build_roku_feed(make_channel(), items, NOW, budget=None, cache=cache)
    assert third.to_bytes() == first.to_bytes()


def test_a_pinned_episode_puts_its_series_first():
    shapes = {2: Shape(roku_type="series", series="Weekly Review")}
    items = newsroom() + [make_item("w1", 9, source_id=2), make_item("w2", 8, source_id=2)]
    pin(items[-1], minutes_ago=1)
    doc = build(items, shapes=shapes).doc
    weekly = series_id("news", "Weekly Review")
    assert validate_feed(doc) == []
    assert playlists(doc)["Latest"] == [weekly, "a", "b", "c", "d", "e"]
    assert playlists(doc)["News"][0] == weekly


def test_a_pinned_item_is_the_last_the_budget_cuts():
    items = [make_item(f"i{n}", n) for n in range(40)]
    pin(items[-1], minutes_ago=1)
    full = len(build(items).to_bytes())
    cut = build_roku_feed(make_channel(), items, NOW, budget=full // 2, cache=None)
    carried = {row[1] for row in cut.carried_rows}
    assert "i39" in carried and "i38" not in carried
    assert playlists(orjson.loads(cut.to_bytes()))["Latest"][0] == "i39"


def test_the_channels_rows_choose_order_and_length_of_the_playlists():
    items = newsroom() + [make_item("f", 6, "Weather")]
    channel = make_channel(rows=[{"category": "sport", "length": 1}, {"category": "News", "length": 2},
                                 {"category": "Latest", "length": 3}])
    doc = build(items, channel).doc
    assert validate_feed(doc) == []
    assert playlists(doc) == {"sport": ["b"], "News": ["a", "c"], "Latest": ["a", "b", "c"]}
    assert [c["name"] for c in doc["categories"]] == ["sport", "News", "Latest"]


def test_rows_without_latest_keep_latest_first_and_pins_head_the_rows():
    items = newsroom()
    pin(items[3], minutes_ago=1)
    channel = make_channel(rows=[{"category": "Sport", "length": 1}])
    doc = build(items, channel).doc
    assert playlists(doc) == {"Latest": ["d", "a", "b", "c", "e"], "Sport": ["d"]}


def test_mrss_puts_the_pinned_items_first():
    items = newsroom()
    pin(items[4], minutes_ago=20)
    pin(items[1], minutes_ago=2)
    body = build_mrss(make_channel(), build(items))
    guids = [g.text for g in etree.fromstring(body).iter("guid")]
    assert guids == ["b", "e", "a", "c", "d"]


def rows(doc: dict) -> dict[str, list[str]]:
    return {row["name"]: [item["id"] for item in row["items"]] for row in doc["rows"]}


def test_the_companion_home_puts_pins_first_and_follows_the_rows():
    items = newsroom() + [make_item("t", 7, "Sport", kind="article", videos=[])]
    pin(items[5], minutes_ago=3)
    pin(items[4], minutes_ago=9, until=NOW + timedelta(minutes=1))
    assert rows(home_document(make_channel(), items, NOW)) == {
        "Latest": ["t", "e", "a", "b", "c", "d"], "News": ["e", "a", "c"], "Sport": ["t", "b", "d"]}
    later = NOW + timedelta(minutes=1)
    assert rows(home_document(make_channel(), items, later))["News"] == ["a", "c", "e"]
    channel = make_channel(rows=[{"category": "SPORT", "length": 2}, {"category": "Latest", "length": 1}])
    assert rows(home_document(channel, items, later)) == {"SPORT": ["t", "b"], "Latest": ["t"]}
