"""The preview page: the demo channel's published feed drawn as a TV home screen,
checked in a real headless Chromium against the app on a real port.

Chromium is Debian's (``apt-get install -y chromium``); a machine without it fails
these tests, unless ``CHANNEL_SKIP_BROWSER=1`` says to skip them."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import orjson
import pytest
from werkzeug.serving import make_server

from feeds.dates import utcnow
from feeds.demo import DEMO_BASE
from feeds.snapshots import Snapshot
from feeds.store.published import record_publish
from feeds.store.tables import Channel

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
in_browser = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    if os.environ.get("CHANNEL_SKIP_BROWSER") == "1":
        pytest.skip("CHANNEL_SKIP_BROWSER=1")
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def server(demo_app):
    """The demo app on a real local port."""
    httpd = make_server("127.0.0.1", 0, demo_app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(10)


@pytest.fixture
def page(browser, server):
    """A 720p tab that records every address it asks for."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    tab = context.new_page()
    tab.requested = []
    tab.on("request", lambda request: tab.requested.append(request.url))
    yield tab
    context.close()


def published(client) -> dict:
    return orjson.loads(client.get("/feeds/demo/roku.json").data)


def expected_rows(feed: dict) -> list[tuple[str, list[str]]]:
    """What a developer expects to see: the live feeds, then each category's playlist."""
    titles = {e["id"]: e["title"] for e in feed["shortFormVideos"] + feed["liveFeeds"]}
    playlists = {p["name"]: p["itemIds"] for p in feed["playlists"]}
    rows = [("Live", [e["title"] for e in feed["liveFeeds"]])]
    rows += [(c["name"], [titles[i] for i in playlists[c["playlistName"]]]) for c in feed["categories"]]
    return rows


def shown_rows(page) -> list[tuple[str, list[str]]]:
    return [(row.locator(".row-name").inner_text(), row.locator(".tile-title").all_inner_texts())
            for row in page.locator(".row").all()]


def on_server(url: str, server: str) -> str:
    """A demo address as the preview shows it: on the server it runs on."""
    return url.replace(DEMO_BASE, f"{server}/demo-site/")


@in_browser
def test_home_screen_shows_the_live_tile_first_then_the_feed_rows(page, server, demo_client):
    feed = published(demo_client)
    page.goto(f"{server}/preview/demo")
    assert shown_rows(page) == expected_rows(feed)
    assert page.evaluate("document.activeElement.dataset.id") == feed["liveFeeds"][0]["id"]
    assert page.locator(".hero-title").inner_text() == feed["liveFeeds"][0]["title"]
    page.wait_for_load_state("networkidle")
    pictures = page.locator(".tile img")
    assert pictures.count() == sum(len(titles) for _, titles in expected_rows(feed))
    assert all(pictures.evaluate_all("images => images.map(i => i.complete && i.naturalWidth > 0)"))
    assert all(url.startswith(server) for url in page.requested), page.requested
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "preview-home.png")


@in_browser
def test_arrows_and_enter_open_a_video_with_its_details(page, server, demo_client):
    feed = published(demo_client)
    first, second = feed["shortFormVideos"][:2]
    page.goto(f"{server}/preview/demo")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.id") == second["id"]
    assert page.locator(".hero-title").inner_text() == second["title"]
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/preview/demo/item/{first['id']}")

    assert page.locator("h1").inner_text() == first["title"]
    assert page.locator(".description").inner_text() == first.get("longDescription",
                                                                    first["shortDescription"])
    minutes, seconds = divmod(first["content"]["duration"], 60)
    assert page.locator(".duration").inner_text() == f"{minutes}:{seconds:02}"
    assert page.locator(".released time").get_attribute("datetime") == first["releaseDate"]
    source = page.locator("video").get_attribute("src")
    videos = {on_server(v["url"], server): v["videoType"] for v in first["content"]["videos"]}
    assert source in videos
    assert "MP4" in videos.values(), "the demo's first video has MP4 renditions"
    assert videos[source] == "MP4", "Chromium plays MP4, not HLS: the preview picks an MP4"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "preview-detail.png")

    page.keyboard.press("Escape")
    page.wait_for_url(f"{server}/preview/demo")


@in_browser
def test_clicking_the_live_tile_plays_its_stream(page, server, demo_client):
    live = published(demo_client)["liveFeeds"][0]
    page.goto(f"{server}/preview/demo")
    page.locator(".row").first.locator(".tile").first.click()
    page.wait_for_url(f"{server}/preview/demo/item/{live['id']}")
    assert page.locator("h1").inner_text() == live["title"]
    assert page.locator(".badge.live").is_visible()
    source = page.locator("video").get_attribute("src")
    assert source == on_server(live["content"]["videos"][0]["url"], server)


def test_an_unknown_channel_or_item_is_a_json_404(demo_client):
    for path in ("/preview/nope", "/preview/demo/item/nope"):
        response = demo_client.get(path)
        assert response.status_code == 404
        assert response.get_json()["status"] == 404


def hostile_feed() -> dict:
    video = {"url": "https://cdn.example/a.mp4", "quality": "HD", "videoType": "MP4", "bitrate": 900}
    return {
        "providerName": "<b>Evil</b> News", "language": "en", "lastUpdated": "2026-11-01T00:00:00+00:00",
        "shortFormVideos": [{
            "id": "x1", "title": "<script>alert(1)</script>", "thumbnail": "javascript:alert(2)",
            "shortDescription": '"><img src=x onerror=alert(3)>', "releaseDate": "2026-11-01",
            "content": {"dateAdded": "2026-11-01T00:00:00+00:00", "duration": 60,
                        "videos": [{**video, "url": "javascript:alert(4)"}, video]}}],
        "playlists": [{"name": "Latest", "itemIds": ["x1"]}],
        "categories": [{"name": "Latest", "playlistName": "Latest", "order": "manual"}],
    }


def test_the_page_is_drawn_from_the_published_snapshot_with_text_escaped(demo_app):
    """A channel with no items, whose published feed carries hostile text: the
    preview reads only the snapshot, and a feed's text cannot become markup or script."""
    snapshot = Snapshot.of(orjson.dumps(hostile_feed()), "application/json", time.time())
    backend = demo_app.extensions["backend"]
    with backend.Session() as session:
        session.add(Channel(id="evil", title="Evil"))
        record_publish(session, "evil", {"roku.json": snapshot}, {}, "test", utcnow())
        session.commit()
    backend.snapshots.put("evil", "roku.json", snapshot)
    client = demo_app.test_client()
    home = client.get("/preview/evil").get_data(as_text=True)
    detail = client.get("/preview/evil/item/x1").get_data(as_text=True)
    for html in (home, detail):
        assert "<script>alert" not in html and "<b>Evil" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "javascript:" not in html
    assert "<img src=x" not in home and "&#34;&gt;&lt;img src=x" in home
    assert 'src="https://cdn.example/a.mp4"' in detail
