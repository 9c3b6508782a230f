"""More screens: every channel also published as a JSON Feed 1.1 (``feed.json``) and as a
Google TV Media Actions data feed (``google.json``), served like the Roku feed, listed on
the preview page, checked by the validator, refused whole when invalid, and restored
with the publish they belong to."""
from __future__ import annotations

import gzip
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import orjson
import pytest
from werkzeug.test import Client

from channel import create_app
from feeds.formats.validate_kind import GOOGLE, JSON_FEED, validate_any
from feeds.model import Entry, Video
from feeds.settings import public_url
from feeds.store.items import upsert_entries
from feeds.store.published import record_publish
from feeds.store.tables import Channel, Source
from tests.channel.test_media import fetched_tile
from tests.conftest import ADMIN_TOKEN, make_settings

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
START = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)
NEW_FORMATS = {"/feeds/demo/feed.json": ("application/feed+json", JSON_FEED),
               "/feeds/demo/google.json": ("application/json", GOOGLE)}
OLD_FORMATS = ("roku.json", "search.json", "mrss.xml", "home.json")


def doc(client, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.get_json()
    return orjson.loads(response.data)


@pytest.mark.parametrize("path, expected", NEW_FORMATS.items())
def test_each_new_format_is_valid_and_served_with_etag_304_and_gzip(demo_client, path, expected):
    content_type, kind = expected
    first = demo_client.get(path)
    assert first.status_code == 200 and first.headers["Content-Type"] == content_type
    assert validate_any(first.data) == (kind, [])
    etag = first.headers["ETag"]
    assert etag.startswith('"') and first.headers["Cache-Control"].startswith("public, max-age=")
    again = demo_client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    zipped = demo_client.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(zipped.data) == first.data


@pytest.mark.parametrize("path", NEW_FORMATS)
def test_the_hot_path_answers_as_the_flask_route_does(demo_app, path):
    fast, slow = demo_app.test_client(), Client(demo_app.wsgi_app.app)
    for headers in ({}, {"Accept-Encoding": "gzip"}):
        a, b = fast.get(path, headers=headers), slow.get(path, headers=headers)
        assert a.status_code == b.status_code == 200 and a.data == b.data
        for name in ("ETag", "Last-Modified", "Cache-Control", "Content-Type", "Content-Encoding", "Vary"):
            assert a.headers.get(name) == b.headers.get(name), name


def test_the_json_feed_carries_the_channel_s_videos_and_articles_with_our_tiles(demo_client):
    feed = doc(demo_client, "/feeds/demo/feed.json")
    roku = doc(demo_client, "/feeds/demo/roku.json")
    listing = demo_client.get("/api/v1/channels/demo/items?limit=50").get_json()["items"]
    assert feed["title"] == "Demo News" and feed["feed_url"] == f"{public_url()}feeds/demo/feed.json"
    items = {item["id"]: item for item in feed["items"]}
    assert set(items) == {item["id"] for item in listing if item["kind"] != "live"}
    assert any(item["kind"] == "article" for item in listing), "the demo has articles as well as videos"
    assert roku["shortFormVideos"], "the demo has videos: the loops below check something"
    for video in roku["shortFormVideos"]:
        entry = items[video["id"]]
        assert entry["title"] == video["title"] and entry["image"] == video["thumbnail"]
        # every rendition the box plays, and those it cannot take (a file of unknown bitrate)
        assert {a["url"] for a in entry["attachments"]} >= {v["url"] for v in video["content"]["videos"]}
        assert all(a["duration_in_seconds"] == video["content"]["duration"] for a in entry["attachments"])
    images = {item["id"]: item["image"]["url"] for item in listing if item["kind"] != "live"}
    assert {item["id"]: item["image"] for item in feed["items"]} == images
    tiles = {item["image"] for item in feed["items"] if item.get("attachments")}
    assert tiles and tiles <= {video["thumbnail"] for video in roku["shortFormVideos"]}
    for url in tiles:
        fetched_tile(demo_client, url)  # what the workers made of a playable item: our 16:9 tile


def test_the_google_feed_lists_each_clip_with_a_deep_link_that_plays_it_and_the_live_stream(demo_client):
    google = doc(demo_client, "/feeds/demo/google.json")
    roku = doc(demo_client, "/feeds/demo/roku.json")
    [live] = [e for e in google["dataFeedElement"] if e["@type"] == "BroadcastEvent"]
    assert live["isLiveBroadcast"] is True and live["publishedOn"]["name"] == "Demo News"
    assert live["name"] == roku["liveFeeds"][0]["title"]
    clips = [e for e in google["dataFeedElement"] if e["@type"] == "VideoObject"]
    assert clips and [c["name"] for c in clips] == [v["title"] for v in roku["shortFormVideos"]]
    for clip, video in zip(clips, roku["shortFormVideos"]):
        fetched_tile(demo_client, clip["thumbnailUrl"])
        link = urlsplit(clip["potentialAction"]["target"]["urlTemplate"])
        assert f"{link.scheme}://{link.netloc}/" == public_url()
        played = demo_client.get(f"{link.path}?{link.query}")
        assert played.status_code == 200 and played.get_json()["id"] == video["id"]


def test_the_preview_page_lists_every_published_format(demo_client):
    page = demo_client.get("/preview/demo").get_data(as_text=True)
    for name in ("roku.json", "mrss.xml", "search.json", "feed.json", "google.json"):
        assert f'href="/feeds/demo/{name}"' in page and f'data-format="{name}"' in page
        assert demo_client.get(f"/feeds/demo/{name}").status_code == 200


def test_the_validator_accepts_our_feeds_and_says_what_is_wrong_with_a_broken_one(demo_client):
    for path in NEW_FORMATS:
        good = demo_client.post("/tools/validate", data=demo_client.get(path).data)
        assert good.status_code == 200 and good.get_json() == {"valid": True, "errors": []}
    feed = doc(demo_client, "/feeds/demo/feed.json")
    del feed["items"][1]["id"]
    feed["items"][2]["date_published"] = "yesterday"
    broken = demo_client.post("/tools/validate", data=orjson.dumps(feed))
    assert broken.status_code == 200 and broken.get_json() == {"valid": False, "errors": [
        {"path": "/items/1", "message": "missing required field 'id'"},
        {"path": "/items/2/date_published", "message": "must be an RFC 3339 date-time with an offset, "
                                                       "like 2026-11-01T09:00:00+00:00, got 'yesterday'"}]}
    google = doc(demo_client, "/feeds/demo/google.json")
    google["dataFeedElement"][1]["potentialAction"]["target"].pop("urlTemplate")
    answer = demo_client.post("/tools/validate", data=orjson.dumps(google)).get_json()
    assert answer == {"valid": False, "errors": [{"path": "/dataFeedElement/1/potentialAction/target",
                                                  "message": "missing required field 'urlTemplate'"}]}


def test_the_new_schemas_are_served(demo_client):
    for name in ("jsonfeed.json", "google-datafeed.json"):
        response = demo_client.get(f"/schemas/{name}")
        assert response.status_code == 200 and orjson.loads(response.data)["$id"] == f"/schemas/{name}"


# A channel without artwork yet, whose feeds are built from its items alone.

def clip(key: str, minutes: int) -> Entry:
    return Entry(key=key, kind="video", title=f"Clip {key}", duration=60, categories=["News"],
                 published=START + timedelta(minutes=minutes), image_url=f"https://news.example/{key}.jpg",
                 videos=[Video(url=f"https://cdn.example/{key}.m3u8", type="application/x-mpegURL")])


@pytest.fixture
def news(database_url):
    app = create_app(make_settings(database_url), run_tasks=False)
    backend = app.extensions["backend"]
    with backend.Session() as session:
        session.add(Channel(id="news", title="News", default_thumbnail="https://news.example/c.jpg"))
        session.add(Source(id=1, channel_id="news", kind="mrss", url="https://news.example/videos"))
        session.commit()
    client = app.test_client()

    def add(*entries: Entry) -> None:
        with backend.Session() as session:
            upsert_entries(session, "news", 1, list(entries))
            session.commit()

    client.add, client.backend = add, backend
    yield client
    backend.close()


def etags(client) -> dict[str, str | None]:
    names = (*OLD_FORMATS, "feed.json", "google.json")
    paths = {name: "/api/v1/channels/news/home" if name == "home.json" else f"/feeds/news/{name}"
             for name in names}
    return {name: client.get(path).headers.get("ETag") for name, path in paths.items()}


def publish(client):
    return client.post("/admin/api/channels/news/publish", headers=AUTH)


def test_a_publish_whose_json_feed_is_invalid_keeps_every_previous_snapshot(news, monkeypatch):
    news.add(clip("a", 1))
    assert publish(news).status_code == 200
    before = etags(news)
    assert all(before.values())
    news.add(clip("b", 2))
    monkeypatch.setenv("CHANNEL_PUBLIC_URL", "tv.example.com")  # the scheme forgotten
    refused = publish(news)
    assert refused.status_code == 422
    assert refused.get_json()["error"] == (
        "json feed invalid (2 problems), first at /feed_url: must be an absolute http(s) URL, "
        "got 'tv.example.com/feeds/news/feed.json'")
    assert etags(news) == before
    assert [i["id"] for i in doc(news, "/feeds/news/feed.json")["items"]] == [
        i["id"] for i in doc(news, "/feeds/news/roku.json")["shortFormVideos"]]
    monkeypatch.delenv("CHANNEL_PUBLIC_URL")
    assert publish(news).status_code == 200
    assert [i["title"] for i in doc(news, "/feeds/news/feed.json")["items"]] == ["Clip b", "Clip a"]


def test_restoring_a_publish_from_before_the_new_formats_serves_it_whole_until_release(news):
    news.add(clip("a", 1))
    assert publish(news).status_code == 200
    backend = news.backend
    old = {name: backend.snapshots.get("news", name) for name in OLD_FORMATS}
    with backend.Session() as session:  # what a publish made before this change left in the store
        earlier = record_publish(session, "news", old, {}, "refresh of source 1", START)
        session.commit()
        earlier_id = earlier.id
    news.add(clip("b", 2))
    assert publish(news).status_code == 200
    assert etags(news)["roku.json"] != old["roku.json"].etag

    restored = news.post(f"/admin/api/channels/news/publishes/{earlier_id}/restore", headers=AUTH)
    assert restored.status_code == 200, restored.get_json()
    now = etags(news)
    assert {name: now[name] for name in OLD_FORMATS} == {name: s.etag for name, s in old.items()}
    for name in ("feed.json", "google.json"):
        gone = news.get(f"/feeds/news/{name}")
        assert gone.status_code == 404 and gone.get_json()["status"] == 404

    assert news.post("/admin/api/channels/news/release", headers=AUTH).status_code == 200
    assert [i["title"] for i in doc(news, "/feeds/news/feed.json")["items"]] == ["Clip b", "Clip a"]
    assert len(doc(news, "/feeds/news/google.json")["dataFeedElement"]) == 2
