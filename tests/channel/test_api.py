"""The companion API on the demo channel: items, paging, detail, and deep links."""
from __future__ import annotations

import orjson
import pytest

DEEPLINK = "/api/v1/channels/demo/deeplink"


def search_assets(client) -> list[dict]:
    return orjson.loads(client.get("/feeds/demo/search.json").data)["assets"]


def test_every_play_id_of_the_search_feed_resolves_by_deep_link(demo_client):
    roku = orjson.loads(demo_client.get("/feeds/demo/roku.json").data)
    by_id = {v["id"]: v for v in roku["shortFormVideos"]}
    assets = search_assets(demo_client)
    assert len(assets) == len(by_id) >= 3
    for asset in assets:
        play_id = asset["content"]["playOptions"][0]["playId"]
        response = demo_client.get(DEEPLINK, query_string={"contentId": play_id, "mediaType": "shortFormVideo"})
        assert response.status_code == 200
        found = response.get_json()
        assert found["id"] == play_id and found["mediaType"] == "shortFormVideo"
        assert found["title"] == asset["titles"][0]["value"]
        assert found["item"] == by_id[play_id]


def test_a_deep_link_of_another_media_type_is_a_404(demo_client):
    play_id = search_assets(demo_client)[0]["id"]
    response = demo_client.get(DEEPLINK, query_string={"contentId": play_id, "mediaType": "movie"})
    assert response.status_code == 404 and "shortFormVideo" in response.get_json()["error"]


@pytest.mark.parametrize("query, status, field", [
    ({"contentId": "nope", "mediaType": "episode"}, 404, None),
    ({"contentId": "nope", "mediaType": "live"}, 400, "mediaType"),
    ({"mediaType": "movie"}, 400, "contentId"),
    ({"contentId": "x" * 256, "mediaType": "movie"}, 400, "contentId"),
])
def test_deep_link_errors_are_json_naming_the_parameter(demo_client, query, status, field):
    response = demo_client.get(DEEPLINK, query_string=query)
    answer = response.get_json()
    assert response.status_code == status and answer["error"]
    assert list(answer.get("fields") or []) == ([field] if field else []), answer
    assert field is None or field in answer["error"]


@pytest.mark.parametrize("query, field", [("limit=0", "limit"), ("limit=abc", "limit"),
                                          ("cursor=garbage", "cursor")])
def test_bad_listing_parameters_are_named(demo_client, query, field):
    response = demo_client.get(f"/api/v1/channels/demo/items?{query}")
    assert response.status_code == 400 and list(response.get_json()["fields"]) == [field]


def test_a_text_article_is_not_playable(demo_client):
    items = demo_client.get("/api/v1/channels/demo/items?limit=100").get_json()["items"]
    article = next(i for i in items if i["kind"] == "article" and not i["duration"])
    response = demo_client.get(DEEPLINK, query_string={"contentId": article["id"], "mediaType": "shortFormVideo"})
    assert response.status_code == 404


def test_items_by_category_page_with_a_cursor(demo_client):
    listing = demo_client.get("/api/v1/channels/demo/items?category=News&limit=2").get_json()
    assert len(listing["items"]) == 2 and listing["next_cursor"]
    rest = demo_client.get(f"/api/v1/channels/demo/items?category=News&limit=100&cursor={listing['next_cursor']}").get_json()
    everything = demo_client.get("/api/v1/channels/demo/items?category=News&limit=100").get_json()
    assert [i["id"] for i in listing["items"] + rest["items"]] == [i["id"] for i in everything["items"]]
    assert all("News" in i["categories"] for i in everything["items"])


def test_item_detail_has_paragraphs_clean_html_image_videos_and_related(demo_client):
    items = demo_client.get("/api/v1/channels/demo/items?limit=100").get_json()["items"]
    video = next(i for i in items if i["kind"] == "video")
    detail = demo_client.get(f"/api/v1/items/{video['id']}").get_json()
    assert detail["videos"][0]["url"].startswith("http") and detail["videos"][0]["quality"] == "FHD"
    assert detail["image"]["url"].startswith("http")
    article = next(i for i in items if i["kind"] == "article" and i["categories"])
    detail = demo_client.get(f"/api/v1/items/{article['id']}").get_json()
    assert detail["body"] and all(isinstance(p, str) for p in detail["body"])
    assert "<p>" in detail["body_html"] and "<script" not in detail["body_html"]


def test_related_items_are_the_others_of_the_item_s_section(demo_client):
    """The demo's "News" video shares its section with three other items."""
    items = demo_client.get("/api/v1/channels/demo/items?limit=100").get_json()["items"]
    [video] = [i for i in items if i["kind"] == "video" and i["categories"] == ["News"]]
    related = demo_client.get(f"/api/v1/items/{video['id']}").get_json()["related"]
    others = [i["id"] for i in items if "News" in i["categories"] and i["id"] != video["id"]]
    assert len(others) == 3 and [r["id"] for r in related] == others


def test_a_limit_in_other_digits_is_a_400(demo_client):
    assert demo_client.get("/api/v1/channels/demo/items?limit=²").status_code == 400


def test_home_rows_have_latest_first_and_no_row_twice(demo_client):
    rows = demo_client.get("/api/v1/channels/demo/home").get_json()["rows"]
    names = [row["name"] for row in rows]
    assert names[0] == "Latest" and len(names) == len(set(names))
