"""The JSON Feed 1.1 builder and its validator: what a feed reader reads of each item,
and a property test over generated items."""
from __future__ import annotations

from datetime import timedelta

import orjson
from hypothesis import HealthCheck, given, settings

from feeds.formats.jsonfeed import MAX_ITEMS, VERSION, build_json_feed
from feeds.formats.validate_kind import JSON_FEED, validate_any
from feeds.formats.validate_more import validate_json_feed
from feeds.settings import public_url
from tests.feeds.formats.test_roku import HLS, MP4, NOW, catalogues, make_channel, make_item


def test_the_feed_names_itself_and_its_channel():
    doc = build_json_feed(make_channel(), [make_item("a")])
    assert validate_json_feed(doc) == []
    assert doc["version"] == VERSION == "https://jsonfeed.org/version/1.1"
    assert doc["title"] == "News" and doc["description"] == "News Co" and doc["language"] == "en"
    assert doc["feed_url"] == f"{public_url()}feeds/news/feed.json"
    assert doc["home_page_url"] == "https://news.example/"
    assert doc["authors"] == [{"name": "News Co"}]


def test_each_item_has_what_a_reader_shows():
    article = make_item("a", kind="article", title="Fish  &  <Chips>", summary="In short.",
                        body=["One.", "Two."], body_html="<p>One.</p><p>Two.</p>", author="Ana Ruiz",
                        categories=["News", "Food"], tags=["food", "News", " "], videos=[HLS, MP4],
                        updated=NOW + timedelta(hours=1), language="fr")
    [item] = build_json_feed(make_channel(), [article])["items"]
    assert item == {
        "id": "a", "url": "https://news.example/a", "title": "Fish & <Chips>",
        "content_html": "<p>One.</p><p>Two.</p>", "summary": "In short.",
        "image": "https://news.example/a.jpg", "date_published": "2026-11-30T12:00:00+00:00",
        "date_modified": "2026-11-30T13:00:00+00:00", "authors": [{"name": "Ana Ruiz"}],
        "tags": ["News", "Food", "food"], "language": "fr",
        "attachments": [{"url": HLS["url"], "mime_type": "application/x-mpegURL", "duration_in_seconds": 90},
                        {"url": MP4["url"], "mime_type": "video/mp4", "duration_in_seconds": 90}]}


def test_text_stands_in_when_there_is_no_html_and_the_channel_image_when_there_is_no_picture():
    plain = make_item("a", body=["One.", "Two."], image_url="not a url", videos=[])
    bare = make_item("b", summary="", body=[], image_url="", title="Only a title", videos=[])
    first, second = build_json_feed(make_channel(), [plain, bare])["items"]
    assert first["content_text"] == "One.\n\nTwo." and "content_html" not in first
    assert first["image"] == second["image"] == "https://news.example/channel.jpg"
    assert second["content_text"] == "Only a title" and "summary" not in second


def test_an_attachment_without_a_video_mime_type_gets_the_one_its_address_says():
    odd = {"url": "https://cdn.example/v/clip.mp4", "type": "text/html", "duration": 30, "size": 4_000_000}
    [attachment] = build_json_feed(make_channel(), [make_item("a", videos=[odd])])["items"][0]["attachments"]
    assert attachment == {"url": odd["url"], "mime_type": "video/mp4", "duration_in_seconds": 30,
                          "size_in_bytes": 4_000_000}


def test_live_streams_stay_out_and_the_newest_items_are_kept():
    items = [make_item("live", kind="live")]
    items += [make_item(f"i{n:03}", published=NOW - timedelta(minutes=n)) for n in range(MAX_ITEMS + 20)]
    doc = build_json_feed(make_channel(), items)
    ids = [item["id"] for item in doc["items"]]
    assert ids == [f"i{n:03}" for n in range(MAX_ITEMS)]


def test_the_validator_names_each_problem_at_its_path():
    doc = build_json_feed(make_channel(), [make_item("a"), make_item("b")])
    doc["feed_url"] = "ftp://news.example/feed.json"
    doc["items"][1].pop("content_text")
    doc["items"][1]["date_published"] = "2026-02-30T10:00:00+00:00"
    doc["items"][1]["attachments"][0]["mime_type"] = "mp4"
    doc["items"][0]["content-html"] = "<p>typo</p>"
    doc["_channel"] = {"kind": "news"}
    kind, problems = validate_any(orjson.dumps(doc))
    assert kind == JSON_FEED
    assert [(p.path, p.message) for p in problems] == [
        ("/feed_url", "must be an absolute http(s) URL, got 'ftp://news.example/feed.json'"),
        ("/items/0/content-html", "unknown field 'content-html' (an extension's name starts with '_')"),
        ("/items/1", "an item needs content_html or content_text"),
        ("/items/1/attachments/0/mime_type", "must be a MIME type like video/mp4, got 'mp4'"),
        ("/items/1/date_published", "'2026-02-30T10:00:00+00:00' is not a valid date-time"),
    ]


def test_a_json_feed_1_0_document_is_read_too():
    doc = {"version": "https://jsonfeed.org/version/1", "title": "Old", "author": {"name": "A"},
           "items": [{"id": "1", "content_text": "Hi", "author": {"url": "https://a.example/"}}]}
    assert validate_any(orjson.dumps(doc)) == (JSON_FEED, [])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogues())
def test_any_json_feed_is_valid(catalogue):
    channel, items = catalogue
    doc = build_json_feed(channel, items)
    assert validate_json_feed(doc) == []
    assert [item["id"] for item in doc["items"]] == [item.id for item in items if item.kind != "live"]
