"""The admin API: token auth, channels and sources, refresh now, run history."""
from __future__ import annotations

import pytest

from tests.conftest import ADMIN_TOKEN, make_settings

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def admin(client):
    def call(method: str, path: str, **kwargs):
        return client.open(path, method=method, headers=AUTH, **kwargs)
    call("POST", "/admin/api/channels", json={"id": "news", "title": "News"})
    return call


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": ADMIN_TOKEN}, {"Authorization": "Basic x"}])
def test_without_a_valid_token_nothing_changes(client, headers):
    response = client.post("/admin/api/channels", json={"id": "x", "title": "X"}, headers=headers)
    assert response.status_code == 401 and response.get_json()["error"]
    assert client.get("/admin/api/channels", headers=AUTH).get_json() == {"channels": []}


def test_with_no_token_configured_every_call_is_refused(sqlite_url):
    from channel import create_app

    app = create_app(make_settings(sqlite_url, admin_token=None), run_tasks=False)
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer None"}):
        response = client.get("/admin/api/channels", headers=headers)
        assert response.status_code == 401
        assert "CHANNEL_ADMIN_TOKEN" in response.get_json()["error"]


def test_sources_can_be_added_listed_changed_and_removed(admin):
    created = admin("POST", "/admin/api/sources", json={
        "channel": "news", "kind": "rss", "url": "https://news.example/feed.xml", "every": "10m"})
    assert created.status_code == 201
    source = created.get_json()
    assert (source["every"], source["enabled"]) == (600, True)
    changed = admin("PATCH", f"/admin/api/sources/{source['id']}", json={"every": "1h", "enabled": False})
    assert changed.get_json()["every"] == 3600 and changed.get_json()["enabled"] is False
    assert [s["id"] for s in admin("GET", "/admin/api/sources?channel=news").get_json()["sources"]] == [source["id"]]
    assert admin("DELETE", f"/admin/api/sources/{source['id']}").status_code == 204
    assert admin("GET", f"/admin/api/sources/{source['id']}").status_code == 404


def test_every_change_to_a_channel_and_its_sources_is_in_its_audit_log(admin):
    source = admin("POST", "/admin/api/sources", json={
        "channel": "news", "kind": "rss", "url": "https://news.example/feed.xml"}).get_json()
    admin("PATCH", f"/admin/api/sources/{source['id']}", json={"enabled": False})
    admin("PATCH", "/admin/api/channels/news", json={"title": "The News"})
    admin("DELETE", f"/admin/api/sources/{source['id']}")
    entries = admin("GET", "/admin/api/channels/news/audit").get_json()["entries"]
    assert [(e["action"], e["actor"]) for e in reversed(entries)] == [
        ("channel.add", "admin"), ("source.add", "admin"), ("source.change", "admin"),
        ("channel.change", "admin"), ("source.remove", "admin")]
    assert entries[0]["target"] == "https://news.example/feed.xml"
    assert entries[1]["details"]["fields"] == ["title"] and entries[2]["details"]["fields"] == ["enabled"]


def test_a_bad_request_names_each_wrong_field(admin):
    response = admin("POST", "/admin/api/sources", json={
        "channel": "nope", "kind": "podcast", "url": "ftp://x", "every": "often", "colour": "red"})
    assert response.status_code == 400
    fields = response.get_json()["fields"]
    assert set(fields) == {"kind", "url", "every", "colour"}
    assert "rss" in fields["kind"] and "http" in fields["url"]
    missing = admin("POST", "/admin/api/sources", json={"kind": "rss"}).get_json()["fields"]
    assert missing == {"channel": "is required", "url": "is required"}
    unknown_channel = admin("POST", "/admin/api/sources", json={
        "channel": "nope", "kind": "rss", "url": "https://x.example/feed"}).get_json()["fields"]
    assert "nope" in unknown_channel["channel"]
    not_json = admin("POST", "/admin/api/sources", data="{", content_type="application/json")
    assert not_json.status_code == 400 and not_json.get_json()["fields"]["body"]


def test_the_same_url_twice_in_a_channel_is_refused(admin):
    body = {"channel": "news", "kind": "rss", "url": "https://news.example/feed.xml"}
    assert admin("POST", "/admin/api/sources", json=body).status_code == 201
    again = admin("POST", "/admin/api/sources", json=body)
    assert again.status_code == 400 and "already" in again.get_json()["fields"]["url"]


def test_refresh_now_with_wait_returns_the_run_report(admin, httpserver):
    httpserver.expect_request("/feed.xml").respond_with_data(
        "<rss version='2.0'><channel><title>T</title><item><title>Hello</title>"
        "<link>https://news.example/hello</link><guid>hello</guid></item></channel></rss>",
        content_type="application/rss+xml")
    source = admin("POST", "/admin/api/sources", json={
        "channel": "news", "kind": "rss", "url": httpserver.url_for("/feed.xml")}).get_json()
    report = admin("POST", f"/admin/api/sources/{source['id']}/refresh?wait=1").get_json()
    assert (report["status"], report["new"]) == ("ok", 1)
    runs = admin("GET", f"/admin/api/sources/{source['id']}/runs").get_json()["runs"]
    assert runs[0]["id"] == report["id"] and runs[0]["status"] == "ok"


def test_a_failed_refresh_is_in_the_run_history_with_its_reason(admin, httpserver):
    httpserver.expect_request("/feed.xml").respond_with_data("down", status=503)
    source = admin("POST", "/admin/api/sources", json={
        "channel": "news", "kind": "rss", "url": httpserver.url_for("/feed.xml")}).get_json()
    report = admin("POST", f"/admin/api/sources/{source['id']}/refresh?wait=1").get_json()
    assert report["status"] == "error" and "503" in report["error"]
    assert admin("GET", f"/admin/api/sources/{source['id']}").get_json()["failures"] == 1


def test_run_history_pages(admin, httpserver):
    httpserver.expect_request("/feed.xml").respond_with_data("nope", status=404)
    source = admin("POST", "/admin/api/sources", json={
        "channel": "news", "kind": "rss", "url": httpserver.url_for("/feed.xml")}).get_json()
    for _ in range(3):
        admin("POST", f"/admin/api/sources/{source['id']}/refresh?wait=1")
    first = admin("GET", f"/admin/api/sources/{source['id']}/runs?limit=2").get_json()
    rest = admin("GET", f"/admin/api/sources/{source['id']}/runs{first['next']}").get_json()
    ids = [run["id"] for run in first["runs"] + rest["runs"]]
    assert len(ids) == 3 and ids == sorted(ids, reverse=True)
    assert admin("GET", f"/admin/api/sources/{source['id']}/runs?limit=0").status_code == 400


@pytest.mark.parametrize("options, message", [
    ({"roku_type": "podcasts"}, "roku_type: must be one of"),
    ({"roku_type": "series"}, "series: is required"),
    ({"roku_type": "series", "series": " "}, "series: must be a series title"),
    ({"follow_links": "yes"}, "follow_links: must be true or false"),
    ({"colour": "red"}, "has no option 'colour'"),
])
def test_source_options_are_checked(admin, options, message):
    response = admin("POST", "/admin/api/sources", json={
        "channel": "news", "kind": "mrss", "url": "https://news.example/v.xml", "options": options})
    assert response.status_code == 400
    assert message in response.get_json()["fields"]["options"]


def test_a_source_can_declare_its_videos_a_series(admin):
    response = admin("POST", "/admin/api/sources", json={
        "channel": "news", "kind": "mrss", "url": "https://news.example/v.xml",
        "options": {"roku_type": "series", "series": "Weekly Review", "seasons": True}})
    assert response.status_code == 201
    assert response.get_json()["options"]["series"] == "Weekly Review"


def test_a_read_only_store_is_a_503_and_changes_nothing(admin, sqlite_url):
    from channel import create_app

    path = sqlite_url.removeprefix("sqlite:///")
    read_only = create_app(make_settings(f"sqlite:///file:{path}?mode=ro&uri=true"), run_tasks=False)
    response = read_only.test_client().post("/admin/api/channels", headers=AUTH,
                                            json={"id": "other", "title": "Other"})
    assert response.status_code == 503
    assert "store is unavailable" in response.get_json()["error"]
    assert response.headers["Retry-After"] == "30"
    assert [c["id"] for c in admin("GET", "/admin/api/channels").get_json()["channels"]] == ["news"]
    read_only.extensions["backend"].close()
