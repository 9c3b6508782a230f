"""The bundled demo channel, end to end through the web tier, offline."""
from __future__ import annotations

import gzip

import orjson

from feeds.formats.validate import validate_feed
from tests.conftest import shared

SEED_TITLE = "Russia ready for 'wide-ranging' dialogue with US: Putin"


def roku(client, **headers):
    return client.get("/feeds/demo/roku.json", headers=headers)


def test_roku_feed_is_valid_with_videos_and_live(demo_client):
    response = roku(demo_client)
    assert response.status_code == 200
    assert response.content_type == "application/json"
    doc = orjson.loads(response.data)
    assert validate_feed(doc) == []
    assert len(doc["shortFormVideos"]) >= 3
    assert len(doc["liveFeeds"]) == 1
    for video in doc["shortFormVideos"]:
        assert video["content"]["duration"] > 0
        assert video["thumbnail"].startswith("http")


def test_roku_feed_answers_304_to_its_etag_and_serves_gzip(demo_client):
    first = roku(demo_client)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and "max-age" in first.headers["Cache-Control"]
    assert roku(demo_client, **{"If-None-Match": etag}).status_code == 304
    zipped = roku(demo_client, **{"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == first.data


def test_the_seed_article_is_among_the_items(demo_client):
    listing = demo_client.get("/api/v1/channels/demo/items?q=wide-ranging").get_json()
    [summary] = [item for item in listing["items"] if item["title"] == SEED_TITLE]
    item = demo_client.get(f"/api/v1/items/{summary['id']}").get_json()
    seed = [" ".join(part.split()) for part in shared("seeds", "000_a81f25c9946499be.txt").read_text().split("\n\n") if part.strip()]
    assert item["categories"] == ["News", "Foreign Policy", "Russia"]
    assert item["image"]["caption"] == seed[2]
    assert [" ".join(paragraph.split()) for paragraph in item["body"]] == seed[3:16]
    assert item["published"] == "2018-12-30T14:52:11+03:30"


def test_home_has_the_live_stream_and_rows(demo_client):
    home = demo_client.get("/api/v1/channels/demo/home")
    assert home.status_code == 200
    doc = home.get_json()
    assert doc["live"][0]["kind"] == "live"
    assert doc["rows"][0]["name"] == "Latest"
    assert {"News", "Sports"} <= {row["name"] for row in doc["rows"]}


def test_unknown_channel_and_item_are_json_404s(demo_client):
    for path in ("/feeds/nope/roku.json", "/api/v1/items/nope", "/api/v1/channels/nope/items",
                 "/api/v1/channels/nope/home", "/no/such/route"):
        response = demo_client.get(path)
        assert response.status_code == 404, path
        assert response.is_json and response.get_json()["error"], path


def test_bad_query_parameters_are_json_400s(demo_client):
    for query in ("limit=0", "limit=abc", "limit=1000", "cursor=!!!"):
        response = demo_client.get(f"/api/v1/channels/demo/items?{query}")
        assert response.status_code == 400, query
        assert response.get_json()["error"]


def test_health_and_readiness(demo_client):
    assert demo_client.get("/healthz").get_json() == {"status": "ok"}
    ready = demo_client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["ready"] is True
