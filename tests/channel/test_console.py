"""The ops console with Flask's test client: signing in and out, the session
cookie's flags, CSRF refusals, wrong tokens slowed down and counted, each page, and
the forms' error slots matching the fields the admin API names."""
from __future__ import annotations

import dataclasses
import io
import re
import time
from datetime import timedelta

import pytest
from lxml import html
from sqlalchemy import func, select

import channel.console.session
from channel import create_app
from feeds.dates import utcnow
from feeds.model import Entry, Video
from feeds.publish import publish_channel
from feeds.store.checks import Invalid, check_source
from feeds.store.ids import item_id
from feeds.store.items import upsert_entries
from feeds.store.tables import Audit, Channel, Item, Source
from tests.conftest import ADMIN_TOKEN, make_settings

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
COOKIE = "channel_console"


def video(key: str, hours: int, duration: int | None = 60) -> Entry:
    return Entry(key=key, kind="video", title=f"Video {key}", summary=f"All about {key}.",
                 published=utcnow() - timedelta(hours=hours), categories=["News"],
                 url=f"https://news.example/{key}", duration=duration,
                 videos=[Video(url=f"https://cdn.example/{key}.m3u8", type="application/x-mpegURL")])


def fill(backend) -> dict[str, str]:
    """A channel of three videos, one without a duration (left out), and an article;
    published once. Their ids by key."""
    with backend.Session() as session:
        session.add(Channel(id="news", title="Evening News", default_thumbnail="https://news.example/c.jpg"))
        session.add(Source(id=1, channel_id="news", kind="mrss", url="https://news.example/v.xml"))
        session.flush()
        article = Entry(key="text", kind="article", title="A long read", published=utcnow(),
                        url="https://news.example/text", body=["Words."])
        upsert_entries(session, "news", 1, [video("a", 1), video("b", 2), video("short", 3, None), article])
        session.commit()
        publish_channel(session, backend.snapshots, "news")
    return {key: item_id("news", key) for key in ("a", "b", "short", "text")}


def app_with(sqlite_url, **settings):
    app = create_app(make_settings(sqlite_url, **settings))
    app.config.update(TESTING=True, CONSOLE_WRONG_TOKEN_DELAY=0.3)
    return app


@pytest.fixture
def app(sqlite_url):
    app = app_with(sqlite_url, admin_tokens="alice:alice-token")
    yield app
    app.extensions["backend"].close()


@pytest.fixture
def items(app) -> dict[str, str]:
    return fill(app.extensions["backend"])


def csrf(client, path: str = "/admin/sign-in") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def sign_in(client, token: str = ADMIN_TOKEN, next_page: str = "/admin/"):
    return client.post("/admin/sign-in", data={"csrf_token": csrf(client), "token": token, "next": next_page})


@pytest.fixture
def browser(app):
    """A test client signed in, with the CSRF token its pages carry."""
    client = app.test_client()
    assert sign_in(client).status_code == 303
    client.token = csrf(client, "/admin/")
    return client


def form(page: str, form_id: str):
    found = html.fromstring(page).get_element_by_id(form_id)
    assert found.tag == "form", form_id
    return found


def error_slots(element) -> set[str]:
    return {slot.get("data-error-for") for slot in element.iter() if slot.get("data-error-for")}


# Access ------------------------------------------------------------------------

def test_without_a_configured_token_the_console_refuses(sqlite_url):
    app = app_with(sqlite_url, admin_token=None)
    client = app.test_client()
    for path in ("/admin/", "/admin/sign-in"):
        response = client.get(path)
        assert response.status_code == 401 and "set CHANNEL_ADMIN_TOKEN" in response.get_data(as_text=True)
    assert client.post("/admin/sign-in", data={"token": ""}).status_code == 401
    app.extensions["backend"].close()


def test_a_page_asks_to_sign_in_then_comes_back(app):
    client = app.test_client()
    response = client.get("/admin/import")
    assert response.status_code == 303 and response.location == "/admin/sign-in?next=/admin/import"
    assert sign_in(client, next_page="/admin/import").location == "/admin/import"
    page = client.get("/admin/import").get_data(as_text=True)
    assert "Signed in as <strong>admin</strong>" in page


def test_signing_in_sets_a_signed_strict_httponly_cookie_and_signing_out_ends_it(app):
    client = app.test_client()
    response = sign_in(client)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    flags = cookie_flags(response)
    assert {"httponly", "expires", "path"} <= flags and "secure" not in flags
    assert "SameSite=Strict" in cookie and "Path=/admin" in cookie
    assert client.get("/admin/").status_code == 200

    token = csrf(client, "/admin/")
    out = client.post("/admin/sign-out", data={"csrf_token": token})
    assert out.status_code == 303 and out.location == "/admin/sign-in?signed_out=1"
    assert client.get("/admin/").status_code == 303
    assert client.get("/admin/api/channels").status_code == 401


def cookie_flags(response) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in response.headers["Set-Cookie"].split(";")}


def test_the_cookie_is_secure_over_https_and_behind_a_proxy_that_says_so(app):
    client = app.test_client()
    behind_proxy = client.get("/admin/sign-in", headers={"X-Forwarded-Proto": "https"})
    assert "secure" in cookie_flags(behind_proxy)
    https = {"base_url": "https://console.example", "headers": {"Referer": "https://console.example/admin/sign-in"}}
    page = client.get("/admin/sign-in", **https).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post("/admin/sign-in", data={"csrf_token": token, "token": ADMIN_TOKEN}, **https)
    assert response.status_code == 303 and "secure" in cookie_flags(response)


def test_a_session_ends_after_its_lifetime(app, browser, monkeypatch):
    later = time.time() + channel.console.session.LIFETIME.total_seconds() + 60
    monkeypatch.setattr(channel.console.session.time, "time", lambda: later)
    assert browser.get("/admin/").status_code == 303
    assert browser.get("/admin/api/channels").status_code == 401


def test_a_token_taken_out_of_the_configuration_ends_its_sessions(app):
    client = app.test_client()
    assert sign_in(client, "alice-token").status_code == 303
    assert client.get("/admin/").status_code == 200
    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = dataclasses.replace(settings, admin_tokens="alice:a-new-token")
    assert client.get("/admin/").status_code == 303


def test_a_wrong_token_is_slowed_down_counted_and_said_next_to_the_field(app):
    client = app.test_client()

    def wrong_so_far() -> float:
        found = re.search(r'^channel_console_sign_ins_total\{outcome="wrong_token"\} (\S+)$',
                          client.get("/metrics").get_data(as_text=True), re.MULTILINE)
        return float(found.group(1)) if found else 0.0

    before, started = wrong_so_far(), time.monotonic()
    response = sign_in(client, "not-the-token")
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 401 and wrong_so_far() == before + 1
    page = html.fromstring(response.get_data(as_text=True))
    field = page.get_element_by_id("token")
    assert field.get("aria-invalid") == "true"
    assert "not an admin token" in page.get_element_by_id(field.get("aria-describedby")).text_content()
    assert client.get("/admin/").status_code == 303


def test_sign_in_goes_only_to_pages_of_the_console(app):
    for target in ("//evil.example/admin/", "https://evil.example/", "/admin/api/channels", "/feeds/x"):
        assert sign_in(app.test_client(), next_page=target).location == "/admin/"


# CSRF ----------------------------------------------------------------------------

def test_a_form_or_request_without_the_csrf_token_is_refused(app, browser):
    client = app.test_client()
    refused = client.post("/admin/sign-in", data={"token": ADMIN_TOKEN})
    assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)
    assert client.get("/admin/").status_code == 303

    assert browser.post("/admin/sign-out").status_code == 400
    assert browser.get("/admin/").status_code == 200, "still signed in"

    body = {"id": "late", "title": "Late News"}
    missing = browser.post("/admin/api/channels", json=body)
    wrong = browser.post("/admin/api/channels", json=body, headers={"X-CSRFToken": "forged"})
    assert missing.status_code == wrong.status_code == 400
    assert "CSRF" in missing.get_json()["error"]
    assert browser.get("/admin/api/channels/late", headers={"X-CSRFToken": browser.token}).status_code == 404
    made = browser.post("/admin/api/channels", json=body, headers={"X-CSRFToken": browser.token})
    assert made.status_code == 201


def test_the_bearer_path_is_unchanged_by_a_session(app, browser):
    assert browser.get("/admin/api/channels", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert app.test_client().get("/admin/api/channels", headers=AUTH).status_code == 200
    assert app.test_client().post("/admin/api/channels", headers=AUTH, json={"id": "x", "title": "X"}) \
        .status_code == 201, "bearer calls need no CSRF token"


def test_the_audit_log_names_who_signed_in(app, items):
    client = app.test_client()
    sign_in(client, "alice-token")
    token = csrf(client, "/admin/")
    changed = client.patch(f"/admin/api/items/{items['a']}", json={"hidden": True}, headers={"X-CSRFToken": token})
    assert changed.status_code == 200
    with app.extensions["backend"].Session() as session:
        assert session.scalars(select(Audit.actor).where(Audit.action == "hide")).all() == ["alice"]


def test_without_secret_key_a_deployment_keeps_its_console_off(sqlite_url, redis_url, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = app_with(sqlite_url, redis_url=redis_url)
    client = app.test_client()
    response = client.get("/admin/sign-in")
    assert response.status_code == 503 and "set SECRET_KEY" in response.get_data(as_text=True)
    assert client.get("/admin/api/channels", headers=AUTH).status_code == 200, "the API goes on"
    app.extensions["backend"].close()


# Pages ---------------------------------------------------------------------------

def test_the_channels_page_shows_each_channels_health(browser, items):
    page = html.fromstring(browser.get("/admin/").get_data(as_text=True))
    row = page.cssselect('tr[data-channel="news"]')[0]
    report = browser.get("/admin/api/channels/news/report").get_json()
    cells = {cell.get("data-label"): " ".join(cell.text_content().split()) for cell in row}
    assert cells["Channel"] == "Evening News news"
    assert cells["Health"].startswith("Needs a look") and "1 item left out" in cells["Health"]
    assert cells["On the TV"] == f"{report['carried']['roku.json']} of {report['items']} items"
    assert cells["Left out"] == "1" and cells["Hold"] == "no"


def test_the_channel_page_shows_sources_what_was_left_out_and_the_history(browser, items):
    page = browser.get("/admin/channels/news").get_data(as_text=True)
    tree = html.fromstring(page)
    assert "https://news.example/v.xml" in tree.cssselect('tr[data-source="1"]')[0].text_content()
    left_out = [" ".join(li.text_content().split()) for li in tree.cssselect("ul.left-out li")]
    assert left_out == ["Video short: no duration"]
    history = browser.get("/admin/api/channels/news/publishes").get_json()["publishes"]
    assert [int(tr.get("data-publish")) for tr in tree.cssselect("tr[data-publish]")] == [p["id"] for p in history]
    where = {tr.get("data-item"): tr.cssselect("td.where")[0].text_content() for tr in tree.cssselect("tr[data-item]")}
    assert where[items["a"]] == "on the TV" and where[items["short"]] == "left out: no duration"
    assert where[items["text"]] == "text only: companion app"
    assert tree.cssselect('a[href="/preview/news"]'), "a link to the TV preview"


def test_whatever_else_a_report_lists_is_shown_with_the_items_named(app, browser, items):
    from feeds.store.tables import Publish

    with app.extensions["backend"].Session() as session:
        live = session.scalars(select(Publish)).one()
        live.report = {**live.report, "warnings": ["3 long-form videos have no captions"],
                       "media_problems": [{"id": items["b"], "error": "upstream answered 404"}]}
        session.commit()
    page = html.fromstring(browser.get("/admin/channels/news").get_data(as_text=True))
    lines = [" ".join(li.text_content().split()) for li in page.iter("li")]
    assert "3 long-form videos have no captions" in lines
    assert "Video b: error: upstream answered 404" in lines
    assert page.cssselect(f'a[href="/admin/items/{items["b"]}"]')


def test_the_item_page_shows_what_each_feed_carries(browser, items):
    page = browser.get(f"/admin/items/{items['a']}").get_data(as_text=True)
    roku = browser.get("/feeds/news/roku.json").get_json()
    entry = next(e for e in roku["shortFormVideos"] if e["id"] == items["a"])
    tree = html.fromstring(page)
    assert tree.cssselect("h1")[0].text_content() == "Video a"
    assert tree.cssselect(".tile img")[0].get("src") == entry["thumbnail"]
    shown = [pre.get("aria-label") for pre in tree.cssselect("pre.code")]
    assert shown == ["The item in roku.json", "The item in search.json", "The item in mrss.xml",
                     "The item in the companion API"]
    left = html.fromstring(browser.get(f"/admin/items/{items['short']}").get_data(as_text=True))
    assert "Left out of the live publish: no duration." in left.text_content()


def test_the_item_page_says_an_item_past_its_window_is_off_the_air(app, browser, items):
    with app.extensions["backend"].Session() as session:
        session.get(Item, items["b"]).valid_until = utcnow() - timedelta(minutes=1)
        session.commit()
    assert browser.post("/admin/api/channels/news/publish", headers={"X-CSRFToken": browser.token}).status_code == 200
    page = " ".join(html.fromstring(browser.get(f"/admin/items/{items['b']}").get_data(as_text=True))
                    .text_content().split())
    assert "Not in it: outside its validity window" in page
    assert "Not shown: outside its validity window." in page
    assert "always to 20" in page
    listing = html.fromstring(browser.get("/admin/channels/news").get_data(as_text=True)).text_content()
    assert "outside its validity window" in listing


def test_the_publish_page_shows_the_apis_diff(browser, items):
    browser.patch(f"/admin/api/items/{items['a']}", json={"hidden": True}, headers={"X-CSRFToken": browser.token})
    published = browser.post("/admin/api/channels/news/publish", headers={"X-CSRFToken": browser.token})
    assert published.status_code == 200
    newest = browser.get("/admin/api/channels/news/publishes").get_json()["publishes"][0]["id"]
    diff = browser.get(f"/admin/api/channels/news/publishes/{newest}/diff").get_json()
    page = html.fromstring(browser.get(f"/admin/channels/news/publishes/{newest}").get_data(as_text=True))
    assert diff["summary"].startswith("1 items removed")
    assert page.cssselect("p.summary")[0].text_content() == diff["summary"]
    assert "Video a" in page.text_content()

    earlier = browser.get("/admin/api/channels/news/publishes").get_json()["publishes"][1]["id"]
    page = html.fromstring(browser.get(f"/admin/channels/news/publishes/{earlier}").get_data(as_text=True))
    [warning] = page.cssselect("div.banner.warning")
    assert "Video a: hidden by ops" in " ".join(warning.text_content().split())


def test_the_source_page_shows_its_runs(browser, items, httpserver):
    httpserver.expect_request("/down.xml").respond_with_data("gone", status=503)
    made = browser.post("/admin/api/sources", headers={"X-CSRFToken": browser.token},
                        json={"channel": "news", "kind": "rss", "url": httpserver.url_for("/down.xml")})
    source = made.get_json()["id"]
    run = browser.post(f"/admin/api/sources/{source}/refresh?wait=1", headers={"X-CSRFToken": browser.token})
    assert run.get_json()["status"] == "error"
    page = html.fromstring(browser.get(f"/admin/sources/{source}").get_data(as_text=True))
    row = page.cssselect(f'tr[data-run="{run.get_json()["id"]}"]')[0]
    assert run.get_json()["error"] == row.cssselect("td.run-error")[0].text_content() != ""
    assert "Failed" in row.text_content()


def test_unknown_things_are_html_404s(browser):
    for path in ("/admin/channels/nope", "/admin/items/nope", "/admin/sources/999",
                 "/admin/channels/nope/publishes/1"):
        response = browser.get(path)
        assert response.status_code == 404 and response.content_type.startswith("text/html"), path


def test_every_page_has_a_strict_content_security_policy(browser, items):
    response = browser.get("/admin/channels/news")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


# Forms show the API's field errors --------------------------------------------------

FORMS = [  # page, form id, API call the form makes, a body the API refuses, built from the form's fields
    ("/admin/", "add-channel", "post", "/admin/api/channels", {"id": "Bad Id!", "title": "", "timezone": "Mars/Base"}),
    ("/admin/channels/news", "add-source", "post", "/admin/api/sources",
     {"channel": "news", "kind": "podcast", "url": "not a url", "every": "soon"}),
    ("/admin/channels/news", "every-1", "patch", "/admin/api/sources/1", {"every": "5s"}),
    ("/admin/sources/1", "edit-source", "patch", "/admin/api/sources/1",
     {"url": "ftp://x", "every": "9d", "options": {"colour": "red"}, "thumbnail": "nope"}),
    ("/admin/items/{a}", "pin", "patch", "/admin/api/items/{a}", {"pinned": True, "until": "2000-01-01T00:00:00Z"}),
]


@pytest.mark.parametrize("page, form_id, method, action, body", FORMS, ids=[f[1] for f in FORMS])
def test_each_field_the_api_refuses_has_its_place_in_the_form(browser, items, page, form_id, method, action, body):
    page, action = page.format(**items), action.format(**items)
    found = form(browser.get(page).get_data(as_text=True), form_id)
    assert found.get("action") == action and found.get("data-method") == method.upper()
    names = {control.get("name") for control in found.iter("input", "select", "textarea")}
    assert set(body) <= names, "the body is made of the form's own fields"
    refused = browser.open(action, method=method.upper(), json=body, headers={"X-CSRFToken": browser.token})
    assert refused.status_code == 400
    fields = set(refused.get_json()["fields"])
    assert fields and fields <= error_slots(found), f"no place for {fields - error_slots(found)}"
    for name in fields:
        control = found.cssselect(f'[name="{name}"]')[0]
        assert f"{form_id}-{name}-error" in control.get("aria-describedby")
        assert found.cssselect(f'label[for="{control.get("id")}"]'), f"{name} has a label"


# Import ------------------------------------------------------------------------------

TOML = """
[[channels]]
id = "late"
title = "Late News"

[[sources]]
channel = "late"
kind = "rss"
url = "https://late.example/feed.xml"

[[sources]]
channel = "news"
kind = "mrss"
url = "https://news.example/v.xml"

[[sources]]
channel = "news"
kind = "mrss"
url = "https://news.example/v.xml"
every = "1h"

[[sources]]
channel = "news"
kind = "podcast"
url = "https://news.example/p.xml"
"""


def test_import_shows_what_it_will_do_with_the_clis_checks_and_changes_nothing(browser, items):
    with browser.application.extensions["backend"].Session() as session:
        before = session.scalar(select(func.count()).select_from(Source))
    response = browser.post("/admin/import", data={"csrf_token": browser.token, "file": (
        io.BytesIO(TOML.encode()), "sources.toml")}, content_type="multipart/form-data")
    assert response.status_code == 200
    rows = html.fromstring(response.get_data(as_text=True)).cssselect("tr[data-step]")
    seen = [(row.cssselect('[data-label="Which"]')[0].text_content().strip(),
             row.cssselect('[data-label="Will"]')[0].text_content().strip()) for row in rows]
    assert seen == [("late", "add"), ("https://late.example/feed.xml", "add"),
                    ("https://news.example/v.xml", "unchanged"), ("https://news.example/v.xml", "update"),
                    ("https://news.example/p.xml", "refused")]
    with pytest.raises(Invalid) as cli_says:
        check_source({"channel": "news", "kind": "podcast", "url": "https://news.example/p.xml"})
    assert f"kind: {cli_says.value.errors['kind']}" in rows[-1].text_content()
    assert "changes every" in rows[3].text_content()
    with browser.application.extensions["backend"].Session() as session:
        assert session.scalar(select(func.count()).select_from(Source)) == before


def test_import_says_what_is_wrong_with_a_file(browser):
    response = browser.post("/admin/import", data={"csrf_token": browser.token, "file": (
        io.BytesIO(b"[[sources]\nkind ="), "bad.toml")}, content_type="multipart/form-data")
    assert response.status_code == 400
    message = html.fromstring(response.get_data(as_text=True)).get_element_by_id("import-file-error")
    assert message.text_content().startswith("bad.toml is not valid TOML")
    assert browser.post("/admin/import", data={"file": (io.BytesIO(b""), "x.toml")},
                        content_type="multipart/form-data").status_code == 400
