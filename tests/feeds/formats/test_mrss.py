"""Media RSS of the same content, read back with feedparser and lxml."""
from __future__ import annotations

import feedparser
from hypothesis import HealthCheck, given, settings
from lxml import etree

from feeds.formats.mrss import build_mrss, check_mrss
from feeds.formats.roku import build_roku_feed
from tests.feeds.formats.test_roku import HLS, MP4, NOW, SHAPES, catalogues, make_channel, make_item

MEDIA = "{http://search.yahoo.com/mrss/}"


def mrss(items, budget=None) -> bytes:
    channel = make_channel()
    return build_mrss(channel, build_roku_feed(channel, items, NOW, None, budget))


def test_each_item_has_what_roku_asks_for():
    body = mrss([make_item("a", title="Fish & <Chips>", summary="x " * 300, tags=["food"],
                           categories=["News", "Food"], videos=[HLS, MP4, {**MP4, "url": "https://cdn.example/v/sd.mp4", "bitrate": 800, "height": 360}])])
    root = etree.fromstring(body)
    [item] = root.findall("channel/item")
    guid = item.find("guid")
    assert guid.text == "a" and guid.get("isPermaLink") == "false"
    assert item.findtext("pubDate") == "2026-11-30T12:00:00+00:00"
    assert item.findtext("title") == item.findtext(f"{MEDIA}title") == "Fish & <Chips>"
    assert len(item.findtext("description")) <= 200
    assert [c.text for c in item.findall(f"{MEDIA}category")] == ["News", "Food"]
    assert item.findtext(f"{MEDIA}keywords") == "food"
    assert item.find(f"{MEDIA}thumbnail").get("url") == "https://news.example/a.jpg"
    contents = [dict(c.attrib) for c in item.findall(f"{MEDIA}content")]
    assert contents[0] == {"url": HLS["url"], "type": HLS["type"], "medium": "video",
                           "duration": "90", "height": "1080"}
    assert [(c.get("bitrate"), c.get("height")) for c in contents[1:]] == [("2500", "720"), ("800", "360")]


def test_feedparser_reads_it_as_media_rss():
    parsed = feedparser.parse(mrss([make_item("a"), make_item("b", kind="live")]))
    assert not parsed.bozo and parsed.version == "rss20"
    [entry] = parsed.entries
    assert entry.id == "a" and entry.published_parsed[:3] == (2026, 11, 30)
    assert entry.media_content[0]["url"] == HLS["url"]
    assert entry.media_thumbnail[0]["url"] == "https://news.example/a.jpg"


def test_it_carries_what_the_roku_feed_carries():
    items = [make_item(f"i{n}", summary="word " * 60) for n in range(100)]
    roku = build_roku_feed(make_channel(), items, NOW, None, 20_000)
    assert 0 < len(roku.carried) < 100, "the budget carries some items and leaves some out"
    root = etree.fromstring(build_mrss(make_channel(), roku))
    assert [i.findtext("guid") for i in root.iter("item")] == [p.id for p in roku.carried]


def test_characters_xml_cannot_carry_are_dropped():
    body = mrss([make_item("a", title="bell\x07 and \x00null", summary="\ufffe")])
    assert check_mrss(body) == []
    assert etree.fromstring(body).findtext("channel/item/title") == "bell and null"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogues())
def test_any_mrss_is_well_formed(catalogue):
    channel, items = catalogue
    roku = build_roku_feed(channel, items, NOW, SHAPES, 30_000)
    body = build_mrss(channel, roku)
    assert check_mrss(body) == []
    assert len(etree.fromstring(body).findall("channel/item")) == sum(p.kind != "liveFeeds" for p in roku.carried)
