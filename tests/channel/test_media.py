"""``GET /media/<digest>.jpg``: the tiles the workers made, served immutable; used by every
feed and the companion API; the report and ``channel report`` say what fell back."""
from __future__ import annotations

import io
from urllib.parse import urlsplit

import orjson
import pytest
from lxml import etree
from PIL import Image

from channel import create_app
from feeds.settings import public_url
from feeds.store.tables import Channel, Source
from tests.conftest import ADMIN_TOKEN, make_settings
from tests.feeds.site import ITEMS, feed_xml, site, site_server  # noqa: F401  (fixtures)

MEDIA = public_url() + "media/"
MRSS = "http://search.yahoo.com/mrss/"


def path_of(url: str) -> str:
    assert url.startswith(MEDIA), url
    return urlsplit(url).path


def fetched_tile(client, url: str):
    response = client.get(path_of(url))
    assert response.status_code == 200 and response.content_type == "image/jpeg"
    image = Image.open(io.BytesIO(response.data))
    image.load()
    assert image.format == "JPEG" and image.width >= 800 and image.width * 9 == image.height * 16
    return response


def demo_thumbnails(client) -> list[str]:
    roku = orjson.loads(client.get("/feeds/demo/roku.json").data)
    search = orjson.loads(client.get("/feeds/demo/search.json").data)
    mrss = etree.fromstring(client.get("/feeds/demo/mrss.xml").data)
    urls = [entry["thumbnail"] for name in ("shortFormVideos", "liveFeeds") for entry in roku[name]]
    urls += [asset["images"][0]["url"] for asset in search["assets"]]
    return urls + [t.get("url") for t in mrss.iter(f"{{{MRSS}}}thumbnail")]


def test_every_demo_feed_shows_our_tiles_and_each_decodes_as_a_16_by_9_jpeg(demo_client):
    urls = demo_thumbnails(demo_client)
    assert len(urls) >= 10
    for url in set(urls):
        fetched_tile(demo_client, url)


def test_a_tile_is_immutable_with_an_etag_and_answers_304(demo_client):
    url = demo_thumbnails(demo_client)[0]
    first = fetched_tile(demo_client, url)
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    digest = path_of(url).rsplit("/", 1)[1].removesuffix(".jpg")
    assert first.headers["ETag"] == f'"{digest}"'
    again = demo_client.get(path_of(url), headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]


@pytest.mark.parametrize("path", ["/media/" + "0" * 32 + ".jpg", "/media/not-a-digest.jpg",
                                  "/media/../channel.db.jpg"])
def test_unknown_media_are_json_404s(demo_client, path):
    response = demo_client.get(path)
    assert response.status_code == 404 and response.is_json


def test_the_companion_api_shows_the_tile_and_keeps_the_original(demo_client):
    listing = demo_client.get("/api/v1/channels/demo/items?limit=50").get_json()["items"]
    videos = [item for item in listing if item["kind"] == "video"]
    assert videos
    for item in videos:
        fetched_tile(demo_client, item["image"]["url"])
        assert item["image"]["original"].startswith("http://127.0.0.1:8000/demo-site/images/")
    home = demo_client.get("/api/v1/channels/demo/home").get_json()
    assert home["live"][0]["image"]["url"].startswith(MEDIA)


@pytest.fixture
def checking_app(sqlite_url):
    """The app with media checks on, as in production."""
    app = create_app(make_settings(sqlite_url, media_checks=True))
    yield app
    app.extensions["backend"].close()


def test_the_report_lists_fallbacks_and_media_problems(checking_app, site):  # noqa: F811
    app = checking_app
    site.expect_request("/tv.xml").respond_with_data(feed_xml(ITEMS, site.url_for("").rstrip("/")),
                                                     content_type="application/rss+xml")
    with app.extensions["backend"].Session() as session:
        session.add(Channel(id="tv", title="TV News"))
        session.add(Source(channel_id="tv", kind="mrss", url=site.url_for("/tv.xml")))
        session.commit()
    cli = app.test_cli_runner()
    assert cli.invoke(args=["refresh", "--channel", "tv"]).exit_code == 0
    report = app.test_client().get("/admin/api/channels/tv/report",
                                   headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).get_json()
    reasons = [entry["reason"] for entry in report["artwork_fallbacks"]]
    assert any("title card: too small: 320x180" in reason for reason in reasons)
    assert any("decompression bomb" in reason for reason in reasons)
    assert any(p["url"].endswith("/v/gone.mp4") for p in report["media_problems"])
    assert len(report["left_out"]) == 2 and report["media_unchecked"] == 0
    printed = cli.invoke(args=["report", "tv"]).output
    assert "title card: too small: 320x180" in printed
    assert "gone.mp4: upstream answered 404" in printed
    assert "media failed its check" in printed


def test_the_demo_with_media_checks_on_loses_nothing(sqlite_url):
    app = create_app(make_settings(sqlite_url, load_demo=True, media_checks=True))
    try:
        assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
        client = app.test_client()
        report = client.get("/admin/api/channels/demo/report",
                            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).get_json()
        assert (report["left_out"], report["media_problems"], report["media_unchecked"]) == ([], [], 0)
        assert report["carried"]["roku.json"] >= 5
        for url in set(demo_thumbnails(client)):
            fetched_tile(client, url)
    finally:
        app.extensions["backend"].close()


def test_ops_set_a_channels_media_settings_through_the_admin_api(client):
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert client.post("/admin/api/channels", json={"id": "tv", "title": "TV"}, headers=auth).status_code == 201
    settings = {"tile": {"width": 1920, "height": 1080, "quality": 80}, "posters": True,
                "colours": {"background": "#003366"}, "ads": {"preroll": True}}
    changed = client.patch("/admin/api/channels/tv", json={"media": settings}, headers=auth)
    assert changed.status_code == 200 and changed.get_json()["media"] == settings
    assert client.get("/admin/api/channels/tv", headers=auth).get_json()["media"] == settings
    for wrong in ({"tiles": {}}, {"posters": "yes"}, {"check_concurrency": True}, []):
        refused = client.patch("/admin/api/channels/tv", json={"media": wrong}, headers=auth)
        assert refused.status_code == 400 and "media" in refused.get_json()["fields"], wrong


def test_the_companion_api_offers_the_subtitle_groups_the_media_check_found(checking_app, site):  # noqa: F811
    app = checking_app
    site.expect_request("/tv.xml").respond_with_data(feed_xml(ITEMS[:1], site.url_for("").rstrip("/")),
                                                     content_type="application/rss+xml")
    with app.extensions["backend"].Session() as session:
        session.add(Channel(id="tv", title="TV News"))
        session.add(Source(channel_id="tv", kind="mrss", url=site.url_for("/tv.xml")))
        session.commit()
    assert app.test_cli_runner().invoke(args=["refresh", "--channel", "tv"]).exit_code == 0
    client = app.test_client()
    listed = client.get("/api/v1/channels/tv/items").get_json()["items"]
    captions = client.get(f"/api/v1/items/{listed[0]['id']}").get_json()["captions"]
    assert [(c["language"], c["name"], c["kind"], c["format"]) for c in captions] == [
        ("en", "English", "captions", "hls"), ("es", "Español", "subtitles", "hls")]
    assert captions[0]["url"] == site.url_for("/v/subs/en.m3u8")
