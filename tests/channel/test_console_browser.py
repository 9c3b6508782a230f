"""The ops console end to end in headless Chromium, against the app on a real port
and a local site serving a Media RSS feed: sign in, add a channel and a source,
refresh it and follow the run, see what was left out and why, hide an item and see
it leave roku.json, restore an earlier publish and release, import a file, sign
out; axe-core finds no serious accessibility violation on any page. Screenshots of
each page go to test-artifacts/."""
from __future__ import annotations

import threading
from pathlib import Path

import orjson
import pytest
from pytest_httpserver import HTTPServer
from werkzeug.serving import make_server

import channel.enqueue
from channel import create_app
from tests.channel.test_preview import ARTIFACTS, browser  # noqa: F401
from tests.conftest import ADMIN_TOKEN, make_settings
from tests.workers.conftest import wait_for

in_browser = pytest.mark.slow
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
IMAGES = Path(__file__).resolve().parents[2] / "feeds" / "demo" / "site" / "images"
PLAYLIST = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\nsegment0.ts\n#EXT-X-ENDLIST\n"
PHONE = {"width": 390, "height": 844}


def entry(base: str, key: str, title: str, day: int, duration: str, image: str = "") -> str:
    thumbnail = f'<media:thumbnail url="{base}/img/{image}" width="1280" height="720"/>' if image else ""
    return f"""<item><title>{title}</title><link>{base}/{key}.html</link>
      <guid isPermaLink="false">{key}</guid><pubDate>{day:02} Nov 2026 12:00:00 +0000</pubDate>
      <description>{title}, reported.</description>
      <media:content url="{base}/v/{key}.m3u8" type="application/x-mpegURL" medium="video" {duration}/>
      {thumbnail}<media:category>News</media:category></item>"""


@pytest.fixture
def site():
    """The publisher's site: two good videos, and one with no duration, no picture
    and no stream, which no feed can carry."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    base = server.url_for("").rstrip("/")
    items = [entry(base, "harbour", "Harbour lights", 27, 'duration="120"', "river.jpg"),
             entry(base, "market", "Market day", 26, 'duration="95"', "markets.jpg"),
             entry(base, "untimed", "Untimed clip", 25, "")]
    server.expect_request("/videos.xml").respond_with_data(
        '<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
        f'<title>Harbour video</title><link>{base}/</link>{"".join(items)}</channel></rss>',
        content_type="application/rss+xml")
    for key in ("harbour", "market"):
        server.expect_request(f"/v/{key}.m3u8").respond_with_data(PLAYLIST, content_type="application/x-mpegURL")
    server.expect_request("/v/untimed.m3u8").respond_with_data("gone", status=404)
    for name in ("river.jpg", "markets.jpg"):
        server.expect_request(f"/img/{name}").respond_with_data((IMAGES / name).read_bytes(),
                                                                content_type="image/jpeg")
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def app(sqlite_url, monkeypatch):
    monkeypatch.setattr(channel.enqueue, "DEBOUNCE", 0.3)
    app = create_app(make_settings(sqlite_url, fetch_allow_private=True))
    yield app
    wait_for(lambda: not any(t.name.startswith(("publish-", "refresh-")) for t in threading.enumerate()),
             timeout=30, what="the refreshes and publishes to end")
    app.extensions["backend"].close()


@pytest.fixture
def server(app, monkeypatch):
    """The app on a real port, which the feeds name as where their artwork is."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("CHANNEL_PUBLIC_URL", f"http://127.0.0.1:{httpd.server_port}/")
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(10)


@pytest.fixture
def tab(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"console-{name}.png", full_page=True)


def api(app, path: str):
    return app.test_client().get(path, headers=AUTH).get_json()


def roku_ids(app, channel_id: str) -> set[str]:
    response = app.test_client().get(f"/feeds/{channel_id}/roku.json")
    if response.status_code != 200:
        return set()
    feed = orjson.loads(response.data)
    return {e["id"] for name in ("shortFormVideos", "movies", "tvSpecials") for e in feed.get(name, [])}


def sign_in(page, server: str) -> None:
    page.goto(f"{server}/admin/")
    page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server}/admin/")


@in_browser
def test_ops_run_a_channel_from_the_console(tab, server, site, app):
    from playwright.sync_api import expect

    tab.goto(f"{server}/admin/")
    expect(tab.get_by_role("heading", name="Sign in")).to_be_visible()
    shot(tab, "sign-in")
    tab.get_by_label("Admin token").fill(ADMIN_TOKEN)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(f"{server}/admin/")
    expect(tab.get_by_text("Signed in as admin")).to_be_visible()

    # A channel: first refused by the API, its message next to the field; then added.
    add = tab.locator("#add-channel")
    add.get_by_label("Id").fill("Harbour News!")
    add.get_by_role("button", name="Add the channel").click()
    expect(tab.locator("#add-channel-id-error")).to_have_text("must be 1-50 lower-case letters, digits, '-' or '_'")
    expect(tab.locator("#add-channel-title-error")).to_have_text("is required")
    expect(add.get_by_label("Id")).to_have_attribute("aria-invalid", "true")
    expect(add.get_by_label("Id")).to_be_focused()
    add.get_by_label("Id").fill("harbour")
    add.get_by_label("Title").fill("Harbour News")
    add.get_by_role("button", name="Add the channel").click()
    tab.wait_for_url(f"{server}/admin/channels/harbour")

    # A source served by the local site.
    source = tab.locator("#add-source")
    source.get_by_label("Kind").select_option("mrss")
    source.get_by_label("Address (URL)").fill("ftp://nowhere")
    source.get_by_role("button", name="Add the source").click()
    expect(tab.locator("#add-source-url-error")).to_have_text("must be an http or https URL")
    source.get_by_label("Address (URL)").fill(site.url_for("/videos.xml"))
    source.get_by_role("button", name="Add the source").click()
    row = tab.locator("tr[data-source]")
    expect(row).to_contain_text(site.url_for("/videos.xml"))

    # Refresh now: the run's state shows without reloading, then the publish after it.
    row.get_by_role("button", name="Refresh now").click()
    run = row.locator("p.run")
    expect(run).to_contain_text("Refresh ok: 3 new, 0 updated", timeout=30_000)
    expect(run).to_contain_text("Published (publish 1", timeout=30_000)
    run.get_by_role("link", name="Show it").click()
    expect(row.locator("p.run")).to_contain_text("OK")

    # What the publish left out, and why, as the API's report says.
    report = api(app, "/admin/api/channels/harbour/report")
    titles = {item["id"]: item["title"] for item in app_items(app, "harbour")}
    assert report["left_out"], report
    shown = [" ".join(text.split()) for text in tab.locator("ul.left-out li").all_inner_texts()]
    assert shown == [f"{titles[e['id']]}: {e['reason']}" for e in report["left_out"]]
    assert any(line.startswith("Untimed clip: ") for line in shown)
    shot(tab, "channel")

    # The item page: hide it, and it leaves roku.json at the next publish.
    tab.get_by_role("link", name="Harbour lights").first.click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Harbour lights")
    harbour = tab.url.rsplit("/", 1)[-1]
    assert harbour in roku_ids(app, "harbour")
    expect(tab.get_by_label("The item in roku.json")).to_contain_text(harbour)
    shot(tab, "item")
    tab.get_by_role("button", name="Hide from the feeds").click()
    expect(tab.locator("#editorial-state")).to_contain_text("Hidden")
    wait_for(lambda: harbour not in roku_ids(app, "harbour"), timeout=30, what="the item to leave roku.json")

    # Restore the first publish (the item is back on the air, the channel held), then release.
    tab.goto(f"{server}/admin/channels/harbour")
    expect(tab.locator("tr[data-publish]")).to_have_count(2)
    tab.locator('tr[data-publish="1"]').get_by_role("button", name="Restore").click()
    expect(tab.get_by_role("heading", name="Held", exact=True)).to_be_visible()
    assert harbour in roku_ids(app, "harbour")
    tab.get_by_role("button", name="Release and publish now").click()
    expect(tab.get_by_role("heading", name="Held", exact=True)).to_have_count(0)
    assert harbour not in roku_ids(app, "harbour")
    assert api(app, "/admin/api/channels/harbour")["hold"] is None

    tab.locator("tr[data-publish]").first.get_by_role("link", name="What changed").click()
    expect(tab.locator("p.summary")).to_be_visible()
    shot(tab, "publish")

    tab.goto(f"{server}/admin/channels/harbour")
    tab.locator("tr[data-source] th a").click()
    expect(tab.locator("tr[data-run]")).to_have_count(1)
    shot(tab, "source")
    tab.goto(f"{server}/admin/")
    expect(tab.locator('tr[data-channel="harbour"]')).to_contain_text("Harbour News")
    shot(tab, "channels")

    import_a_file(tab, server, app, site)

    tab.get_by_role("button", name="Sign out").click()
    expect(tab.get_by_text("You are signed out.")).to_be_visible()
    tab.goto(f"{server}/admin/channels/harbour")
    expect(tab.get_by_role("heading", name="Sign in")).to_be_visible()


def app_items(app, channel_id: str) -> list[dict]:
    from feeds.store.tables import Item

    with app.extensions["backend"].Session() as session:
        return [{"id": item.id, "title": item.title}
                for item in session.query(Item).filter(Item.channel_id == channel_id)]


def import_a_file(tab, server: str, app, site) -> None:
    from playwright.sync_api import expect

    tab.goto(f"{server}/admin/import")
    tab.get_by_label("TOML file").set_input_files(files=[{
        "name": "evening.toml", "mimeType": "application/toml", "buffer": (
            '[[channels]]\nid = "evening"\ntitle = "Evening"\n\n'
            f'[[sources]]\nchannel = "evening"\nkind = "mrss"\nurl = "{site.url_for("/videos.xml")}"\n\n'
            '[[sources]]\nchannel = "evening"\nkind = "podcast"\nurl = "https://evening.example/p.xml"\n').encode()}])
    tab.get_by_role("button", name="Check the file").click()
    steps = tab.locator("tr[data-step]")
    expect(steps).to_have_count(3)
    expect(steps.nth(2)).to_contain_text("kind: must be one of rss, mrss, article, live")
    assert app.test_client().get("/admin/api/channels/evening", headers=AUTH).status_code == 404, "not yet"
    shot(tab, "import")
    tab.get_by_role("button", name="Make these 2 changes").click()
    expect(tab.locator("#import-status")).to_have_text("2 done, 0 refused by the API.")
    expect(steps.nth(0).locator(".step-result")).to_have_text("added")
    sources = api(app, "/admin/api/sources?channel=evening")["sources"]
    assert [s["url"] for s in sources] == [site.url_for("/videos.xml")]


def set_up(app, site) -> str:
    """A channel with a source refreshed and published, through the admin API."""
    client = app.test_client()
    assert client.post("/admin/api/channels", headers=AUTH, json={"id": "harbour", "title": "Harbour"}).status_code == 201
    made = client.post("/admin/api/sources", headers=AUTH, json={
        "channel": "harbour", "kind": "mrss", "url": site.url_for("/videos.xml")}).get_json()
    assert client.post(f"/admin/api/sources/{made['id']}/refresh?wait=1", headers=AUTH).get_json()["status"] == "ok"
    assert client.put("/admin/api/channels/harbour/rows", headers=AUTH,
                      json=[{"category": "News", "length": 10}]).status_code == 200
    return str(made["id"])


def pages(app, source_id: str) -> dict[str, str]:
    item = app_items(app, "harbour")[0]["id"]
    return {"channels": "/admin/", "channel": "/admin/channels/harbour", "item": f"/admin/items/{item}",
            "source": f"/admin/sources/{source_id}", "publish": "/admin/channels/harbour/publishes/1",
            "import": "/admin/import"}


@in_browser
def test_no_serious_accessibility_violations_and_usable_on_a_phone(browser, server, site, app):  # noqa: F811
    source_id = set_up(app, site)
    for viewport in ({"width": 1280, "height": 900}, PHONE):
        context = browser.new_context(viewport=viewport, bypass_csp=True)
        tab = context.new_page()
        tab.goto(f"{server}/admin/")
        axe_check(tab, "sign-in")
        sign_in(tab, server)
        for name, path in pages(app, source_id).items():
            tab.goto(f"{server}{path}")
            axe_check(tab, name)
            width = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], f"{name} scrolls sideways at {viewport['width']} px"
            if viewport == PHONE:
                shot(tab, f"phone-{name}")
        context.close()


def axe_script() -> Path:
    """axe-core's script, as the axe-playwright-python package ships it."""
    try:
        import axe_playwright_python
    except ImportError:
        pytest.fail("axe-playwright-python is missing (it ships axe-core's axe.min.js): install the dev extras")
    return Path(axe_playwright_python.__file__).with_name("axe.min.js")


def axe_check(tab, name: str) -> None:
    tab.add_script_tag(path=str(axe_script()))
    result = tab.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{name}: " + "; ".join(serious)


@in_browser
def test_the_keyboard_reaches_everything_with_a_visible_focus(tab, server, site, app):
    set_up(app, site)
    sign_in(tab, server)
    tab.goto(f"{server}/admin/channels/harbour")
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.textContent") == "Skip to the content"
    tab.keyboard.press("Enter")
    seen = []
    for _ in range(200):
        tab.keyboard.press("Tab")
        found = tab.evaluate("""(() => { const e = document.activeElement, s = getComputedStyle(e);
            return [e.tagName, e.textContent.trim().slice(0, 30), s.outlineStyle, s.outlineWidth]; })()""")
        if found[0] == "BODY":
            break
        seen.append(found)
    unmarked = [entry for entry in seen if entry[2] == "none" or entry[3] == "0px"]
    assert not unmarked, unmarked
    reached = {text for _, text, _, _ in seen}
    assert {"Refresh now", "Pause", "Remove"} <= reached, reached


@in_browser
def test_rows_are_ordered_on_the_page_and_a_dry_run_shows_what_would_change(tab, server, site, app):
    from playwright.sync_api import expect

    set_up(app, site)
    sign_in(tab, server)
    tab.goto(f"{server}/admin/channels/harbour")
    rows = tab.locator("#rows")
    rows.get_by_role("button", name="Add a row").click()
    expect(tab.locator("#rows-1-category")).to_be_focused()
    tab.locator("#rows-1-category").fill("Weather")
    tab.locator("#rows-1-length").fill("0")
    rows.locator("[data-row]").nth(1).get_by_role("button", name="Up one place").click()
    rows.get_by_role("button", name="Save the rows").click()
    expect(tab.locator("#rows-0-length-error")).to_have_text("must be a whole number from 1 to 200")
    expect(tab.locator("#rows-0-length")).to_be_focused()
    tab.locator("#rows-0-length").fill("5")
    rows.get_by_role("button", name="Save the rows").click()
    wait_for(lambda: api(app, "/admin/api/channels/harbour/rows")["rows"] == [
        {"category": "Weather", "length": 5}, {"category": "News", "length": 10}], what="the rows saved")
    expect(tab.locator("#rows-0-category")).to_have_value("Weather")

    tab.get_by_role("button", name="Dry run").click()
    result = tab.locator("#dry-run-result")
    expect(result).to_be_focused()
    expect(result).to_contain_text("A publish now would make: ")
    assert api(app, "/admin/api/channels/harbour/publishes")["publishes"][0]["trigger"] != "ops (admin)"
