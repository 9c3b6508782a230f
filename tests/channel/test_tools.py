"""The developer tools: the feed validator and the schemas it checks against."""
from __future__ import annotations

import json

import orjson
import pytest

from feeds.formats.validate import validate_feed


def test_a_valid_feed_is_valid(demo_client):
    feed = demo_client.get("/feeds/demo/roku.json").data
    response = demo_client.post("/tools/validate", data=feed, content_type="application/json")
    assert response.status_code == 200
    assert response.get_json() == {"valid": True, "errors": []}


def test_problems_come_with_json_pointers(demo_client):
    doc = orjson.loads(demo_client.get("/feeds/demo/roku.json").data)
    doc["shortFormVideos"][1]["content"]["duration"] = "long"
    del doc["language"]
    response = demo_client.post("/tools/validate", data=orjson.dumps(doc))
    result = response.get_json()
    assert response.status_code == 200 and result["valid"] is False
    assert result["errors"] == [{"path": p.path, "message": p.message} for p in validate_feed(doc)]
    assert {e["path"] for e in result["errors"]} == {"", "/shortFormVideos/1/content/duration"}


@pytest.mark.parametrize("body, says", [(b'{"providerName": ', "unexpected end of data"),
                                        (b'<?xml version="1.0"?><rss version="2.0"/>', "this is XML or HTML"),
                                        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "this is binary data")])
def test_a_body_that_is_not_json_is_a_json_400_saying_what_it_is(demo_client, body, says):
    response = demo_client.post("/tools/validate", data=body)
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("not valid JSON") and says in response.get_json()["error"]


def test_the_schemas_are_served(demo_client):
    for name in ("roku-feed.json", "roku-search.json"):
        response = demo_client.get(f"/schemas/{name}")
        assert response.status_code == 200 and response.is_json
        assert json.loads(response.data)["$id"] == f"/schemas/{name}"
        again = demo_client.get(f"/schemas/{name}", headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
    missing = demo_client.get("/schemas/other.json")
    assert missing.status_code == 404 and missing.get_json()["error"]
