"""The published feeds over HTTP: the Roku feed, its Search feed and Media RSS."""
from __future__ import annotations

import gzip
from datetime import datetime, timezone

import feedparser
import orjson
import pytest
from lxml import etree

from feeds.formats.validate import validate_search_feed
from feeds.store.tables import Channel, Item

FEEDS = {"/feeds/demo/roku.json": "application/json",
         "/feeds/demo/search.json": "application/json",
         "/feeds/demo/mrss.xml": "application/rss+xml; charset=utf-8"}


@pytest.mark.parametrize("path, content_type", FEEDS.items())
def test_each_feed_answers_304_to_its_etag_and_serves_gzip(demo_client, path, content_type):
    first = demo_client.get(path)
    assert first.status_code == 200 and first.headers["Content-Type"] == content_type
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = demo_client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    zipped = demo_client.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == first.data


def test_mrss_carries_the_roku_feed_s_videos(demo_client):
    roku = orjson.loads(demo_client.get("/feeds/demo/roku.json").data)
    body = demo_client.get("/feeds/demo/mrss.xml").data
    parsed = feedparser.parse(body)
    assert not parsed.bozo
    assert len(roku["shortFormVideos"]) >= 3
    assert [e.id for e in parsed.entries] == [v["id"] for v in roku["shortFormVideos"]]
    root = etree.fromstring(body)
    assert root.nsmap["media"] == "http://search.yahoo.com/mrss/"
    durations = [item.find("{http://search.yahoo.com/mrss/}content").get("duration")
                 for item in root.iter("item")]
    assert durations == [str(v["content"]["duration"]) for v in roku["shortFormVideos"]]


def test_search_feed_is_valid_and_lists_the_roku_feed_s_videos(demo_client):
    search = orjson.loads(demo_client.get("/feeds/demo/search.json").data)
    roku = orjson.loads(demo_client.get("/feeds/demo/roku.json").data)
    assert validate_search_feed(search) == []
    assert len(roku["shortFormVideos"]) >= 3
    assert [a["content"]["playOptions"][0]["playId"] for a in search["assets"]] == \
        [v["id"] for v in roku["shortFormVideos"]]


@pytest.mark.parametrize("path", ["/feeds/nope/mrss.xml", "/feeds/nope/search.json"])
def test_an_unknown_channel_is_a_json_404(demo_client, path):
    response = demo_client.get(path)
    assert response.status_code == 404 and response.get_json()["error"]


def test_a_channel_not_yet_published_is_built_on_first_request(app, client):
    with app.extensions["backend"].Session() as session:
        session.add(Channel(id="fresh", title="Fresh", default_thumbnail="https://f.example/c.jpg"))
        session.add(Item(id="v1", channel_id="fresh", key="v1", kind="video", title="A video",
                         published=datetime(2026, 1, 1, tzinfo=timezone.utc), content_hash="x",
                         videos=[{"url": "https://f.example/v.m3u8", "type": "application/x-mpegURL"}],
                         duration=30))
        session.commit()
    response = client.get("/feeds/fresh/mrss.xml")
    assert response.status_code == 200
    assert feedparser.parse(response.data).entries[0].id == "v1"
