"""Editorial control through the admin API and the CLI, on SQLite and PostgreSQL:
hides and pins reach the companion API at once and every feed at the next
(debounced) publish, rows, 400s naming fields, and an audit log saying who."""
from __future__ import annotations

import threading
from datetime import timedelta

import feedparser
import orjson
import pytest
import redis
from sqlalchemy import func, select

import channel.enqueue
import workers.tasks
from channel import create_app
from feeds.dates import utcnow
from feeds.model import Entry, Video
from feeds.store.ids import item_id
from feeds.store.items import upsert_entries
from feeds.store.tables import Channel, Item, Publish, Source
from tests.conftest import ADMIN_TOKEN, make_settings
from tests.workers.conftest import start_worker, upstream, wait_for, web, worker_env  # noqa: F401

NIGHT = {"Authorization": "Bearer night-token"}
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
FEEDS = ("roku.json", "search.json", "mrss.xml", "home.json")


def video(key: str, hours: int, section: str = "News") -> Entry:
    return Entry(key=key, kind="video", title=f"Video {key}", summary=f"All about {key}.",
                 published=utcnow() - timedelta(hours=hours), categories=[section],
                 url=f"https://news.example/{key}", duration=60,
                 videos=[Video(url=f"https://cdn.example/{key}.m3u8", type="application/x-mpegURL")])


def fill(backend) -> dict[str, str]:
    """The channel with four videos, published once; their ids by key."""
    from workers.jobs import publish

    with backend.Session() as session:
        session.add(Channel(id="news", title="News", default_thumbnail="https://news.example/c.jpg"))
        session.add(Source(id=1, channel_id="news", kind="mrss", url="https://news.example/v"))
        session.flush()
        upsert_entries(session, "news", 1, [video("a", 1), video("b", 2, "Sport"), video("c", 3),
                                            video("d", 4, "Sport")])
        session.commit()
    assert publish(backend, "news") is not None
    return {key: item_id("news", key) for key in "abcd"}


@pytest.fixture
def app(database_url, monkeypatch):
    monkeypatch.setattr(channel.enqueue, "DEBOUNCE", 0.3)
    app = create_app(make_settings(database_url, admin_tokens="night-desk:night-token"), run_tasks=False)
    app.config["TESTING"] = True
    yield app
    wait_for(lambda: not any(thread.name.startswith("publish-") for thread in threading.enumerate()),
             timeout=15, what="the debounced publishes to end")
    app.extensions["backend"].close()


@pytest.fixture
def ids(app):
    return fill(app.extensions["backend"])


@pytest.fixture
def client(app):
    return app.test_client()


def feed_ids(client) -> dict[str, set[str]]:
    """Every item id each published format carries."""
    bodies = {name: client.get(f"/feeds/news/{name}").data for name in FEEDS[:3]}
    bodies["home.json"] = client.get("/api/v1/channels/news/home").data
    roku, home = orjson.loads(bodies["roku.json"]), orjson.loads(bodies["home.json"])
    return {"roku.json": {v["id"] for v in roku["shortFormVideos"]},
            "search.json": {a["id"] for a in orjson.loads(bodies["search.json"])["assets"]},
            "mrss.xml": {entry.id for entry in feedparser.parse(bodies["mrss.xml"]).entries},
            "home.json": {i["id"] for row in home["rows"] for i in row["items"]}}


def latest(client) -> tuple[list[str], list[str]]:
    """The Latest row of the Roku feed and of the companion home."""
    roku = orjson.loads(client.get("/feeds/news/roku.json").data)
    home = orjson.loads(client.get("/api/v1/channels/news/home").data)
    return roku["playlists"][0]["itemIds"], [i["id"] for i in home["rows"][0]["items"]]


def publishes(app) -> int:
    with app.extensions["backend"].Session() as session:
        return session.scalar(select(func.count()).select_from(Publish))


def settled(app, count: int):
    """A check for ``wait_for``: ``count`` publishes made and none waiting."""
    backend = app.extensions["backend"]
    return lambda: publishes(app) >= count and not channel.enqueue.publish_waiting(backend, "news")


def test_a_hidden_item_leaves_the_api_at_once_and_every_feed_at_the_next_publish(app, client, ids):
    hidden = ids["c"]
    response = client.patch(f"/admin/api/items/{hidden}", headers=NIGHT, json={"hidden": True})
    assert response.status_code == 200
    assert response.get_json() == {"id": hidden, "channel": "news", "title": "Video c", "hidden": True,
                                   "pinned": False, "until": None, "pinned_at": None}
    assert client.get(f"/api/v1/items/{hidden}").status_code == 404
    listed = client.get("/api/v1/channels/news/items").get_json()["items"]
    assert hidden not in {i["id"] for i in listed} and len(listed) == 3
    assert client.get("/api/v1/channels/news/items?q=Video+c+").get_json()["items"] == []
    related = client.get(f"/api/v1/items/{ids['a']}").get_json()["related"]
    assert hidden not in {i["id"] for i in related}
    assert client.get(f"/api/v1/channels/news/deeplink?contentId={hidden}&mediaType=shortFormVideo"
                      ).status_code == 404
    wait_for(lambda: hidden not in feed_ids(client)["roku.json"], timeout=15, what="the republish")
    assert all(hidden not in carried for carried in feed_ids(client).values())
    assert all(len(carried) == 3 for carried in feed_ids(client).values())
    [entry, *_] = client.get("/admin/api/channels/news/audit", headers=AUTH).get_json()["entries"]
    assert (entry["actor"], entry["action"], entry["target"]) == ("night-desk", "hide", hidden)
    with app.extensions["backend"].Session() as session:
        assert session.get(Item, hidden) is not None, "a hidden item stays stored"
    client.patch(f"/admin/api/items/{hidden}", headers=NIGHT, json={"hidden": False})
    wait_for(lambda: hidden in feed_ids(client)["roku.json"], timeout=15, what="the item back")


def test_a_pin_puts_an_item_first_until_it_lapses(app, client, ids):
    until = (utcnow() + timedelta(hours=2)).replace(microsecond=0)
    response = client.patch(f"/admin/api/items/{ids['d']}", headers=AUTH,
                            json={"pinned": True, "until": until.isoformat()})
    assert response.status_code == 200
    document = response.get_json()
    assert document["pinned"] is True and document["until"] == until.isoformat()
    wait_for(lambda: latest(client) == ([ids["d"], ids["a"], ids["b"], ids["c"]],) * 2,
             timeout=15, what="the pinned item first")
    client.patch(f"/admin/api/items/{ids['d']}", headers=AUTH, json={"pinned": False})
    wait_for(lambda: latest(client)[0][0] == ids["a"], timeout=15, what="the pin gone")
    actions = [e["action"] for e in client.get("/admin/api/channels/news/audit", headers=AUTH
                                               ).get_json()["entries"]]
    assert actions == ["unpin", "pin"]


def test_the_embedded_tick_publishes_again_when_a_pin_lapses(app, client, ids):
    from workers.embedded import EmbeddedRunner

    backend = app.extensions["backend"]
    until = (utcnow() + timedelta(hours=1)).isoformat()
    client.patch(f"/admin/api/items/{ids['d']}", headers=AUTH, json={"pinned": True, "until": until})
    wait_for(lambda: settled(app, 2)() and latest(client)[0][0] == ids["d"], timeout=15,
             what="the pin published")
    with backend.Session() as session:
        session.get(Item, ids["d"]).pin_until = utcnow() - timedelta(seconds=1)
        session.commit()
    assert latest(client)[0][0] == ids["d"], "nothing published since the pin lapsed"
    EmbeddedRunner(backend, 0).tick()
    assert latest(client) == ([ids["a"], ids["b"], ids["c"], ids["d"]],) * 2
    [entry, *_] = client.get("/admin/api/channels/news/audit", headers=AUTH).get_json()["entries"]
    assert (entry["actor"], entry["action"], entry["target"]) == ("schedule", "pin-lapsed", ids["d"])


@pytest.mark.parametrize("body, fields", [
    ({"hidden": "yes", "colour": "red"}, {"hidden", "colour"}),
    ({"pinned": True, "until": "2020-01-01T00:00:00+00:00"}, {"until"}),
    ({"pinned": True, "until": "2099-01-01 noon"}, {"until"}),
    ({"until": "2099-01-01T00:00:00+00:00"}, {"until"}),
    ({}, {"body"}),
])
def test_a_bad_patch_names_each_wrong_field_and_changes_nothing(app, client, ids, body, fields):
    response = client.patch(f"/admin/api/items/{ids['a']}", headers=AUTH, json=body)
    assert response.status_code == 400 and set(response.get_json()["fields"]) == fields
    assert client.get("/admin/api/channels/news/audit", headers=AUTH).get_json()["entries"] == []


def test_unknown_items_bad_json_and_missing_tokens(app, client, ids):
    assert client.patch("/admin/api/items/nope", headers=AUTH, json={"hidden": True}).status_code == 404
    not_json = client.patch(f"/admin/api/items/{ids['a']}", headers=AUTH, data="{",
                            content_type="application/json")
    assert not_json.status_code == 400 and "body" in not_json.get_json()["fields"]
    assert client.patch(f"/admin/api/items/{ids['a']}", json={"hidden": True}).status_code == 401
    assert client.put("/admin/api/channels/news/rows", headers={"Authorization": "Bearer x"},
                      json=[]).status_code == 401
    assert client.get("/admin/api/channels/news/audit").status_code == 401
    assert client.get(f"/api/v1/items/{ids['a']}").status_code == 200


def test_rows_are_read_set_checked_and_restored(app, client, ids):
    assert client.get("/admin/api/channels/news/rows", headers=AUTH).get_json() == {
        "channel": "news", "rows": None}
    rows = [{"category": "Sport", "length": 1}, {"category": "Latest", "length": 2}]
    put = client.put("/admin/api/channels/news/rows", headers=NIGHT, json=rows)
    assert put.status_code == 200 and put.get_json()["rows"] == rows
    assert client.get("/admin/api/channels/news/rows", headers=AUTH).get_json()["rows"] == rows

    def playlists() -> list[tuple[str, int]]:
        doc = orjson.loads(client.get("/feeds/news/roku.json").data)
        return [(p["name"], len(p["itemIds"])) for p in doc["playlists"]]

    wait_for(lambda: playlists() == [("Sport", 1), ("Latest", 2)], timeout=15, what="the rows published")
    home = orjson.loads(client.get("/api/v1/channels/news/home").data)
    assert [(r["name"], len(r["items"])) for r in home["rows"]] == [("Sport", 1), ("Latest", 2)]
    bad = client.put("/admin/api/channels/news/rows", headers=AUTH,
                     json=[{"category": "Sport", "length": 0}, {"category": "sport", "length": 3, "x": 1}])
    assert bad.status_code == 400
    assert set(bad.get_json()["fields"]) == {"rows[0].length", "rows[1].x"}
    assert client.put("/admin/api/channels/nope/rows", headers=AUTH, data="null",
                      content_type="application/json").status_code == 404
    assert client.put("/admin/api/channels/news/rows", headers=AUTH, json={"rows": None}).status_code == 200
    wait_for(lambda: [name for name, _ in playlists()] == ["Latest", "News", "Sport"], timeout=15,
             what="the default rows back")
    entries = client.get("/admin/api/channels/news/audit", headers=AUTH).get_json()["entries"]
    assert [(e["actor"], e["action"]) for e in entries] == [("admin", "rows"), ("night-desk", "rows")]


def test_several_changes_close_together_make_one_publish(app, client, ids, monkeypatch):
    monkeypatch.setattr(channel.enqueue, "DEBOUNCE", 1.5)
    before = publishes(app)
    for key, body in (("a", {"hidden": True}), ("b", {"pinned": True}), ("c", {"hidden": True})):
        assert client.patch(f"/admin/api/items/{ids[key]}", headers=AUTH, json=body).status_code == 200
    wait_for(settled(app, before + 1), timeout=15, what="the publish")
    assert publishes(app) == before + 1
    assert feed_ids(client)["roku.json"] == {ids["b"], ids["d"]}


def test_the_audit_log_pages_back_newest_first(app, client, ids):
    for key in "abcd":
        client.patch(f"/admin/api/items/{ids[key]}", headers=AUTH, json={"hidden": True})
    first = client.get("/admin/api/channels/news/audit?limit=3", headers=AUTH).get_json()
    assert [e["target"] for e in first["entries"]] == [ids[k] for k in "dcb"]
    rest = client.get(f"/admin/api/channels/news/audit{first['next']}", headers=AUTH).get_json()
    assert [e["target"] for e in rest["entries"]] == [ids["a"]] and rest["next"] is None
    bad = client.get("/admin/api/channels/news/audit?limit=0&before=x", headers=AUTH)
    assert bad.status_code == 400 and set(bad.get_json()["fields"]) == {"limit"}
    assert client.get("/admin/api/channels/nope/audit", headers=AUTH).status_code == 404


def test_production_asks_the_workers_once_for_changes_close_together(sqlite_url, redis_url, monkeypatch):
    sent: list[tuple] = []
    monkeypatch.setattr(workers.tasks.publish, "apply_async", lambda args, **kw: sent.append(args))
    app = create_app(make_settings(sqlite_url, redis_url=redis_url), run_tasks=False)
    client = app.test_client()
    ids = fill(app.extensions["backend"])
    for key in "abc":
        assert client.patch(f"/admin/api/items/{ids[key]}", headers=AUTH, json={"hidden": True}).status_code == 200
    assert sent == [("news", "editorial (admin)")]
    assert redis.Redis.from_url(redis_url).exists(workers.tasks.pending_key("news"))
    app.extensions["backend"].close()


@pytest.fixture
def cli(app, ids):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def test_the_cli_hides_pins_and_says_so(app, client, cli, ids):
    hidden = cli("items", "hide", ids["c"])
    assert hidden.exit_code == 0, hidden.output
    assert "hidden" in hidden.output and "Video c" in hidden.output and "published" in hidden.output
    assert ids["c"] not in feed_ids(client)["roku.json"], "the CLI publishes before it exits"
    until = (utcnow() + timedelta(hours=1)).replace(microsecond=0).isoformat()
    pinned = cli("items", "pin", ids["d"], "--until", until, "--json")
    assert pinned.exit_code == 0, pinned.output
    document = orjson.loads(pinned.output)
    assert (document["pinned"], document["until"], document["actions"]) == (True, until, ["pin"])
    assert latest(client)[0][0] == ids["d"]
    assert "no change" in cli("items", "unpin", ids["a"]).output
    assert cli("items", "unhide", ids["c"]).exit_code == 0
    assert ids["c"] in feed_ids(client)["roku.json"]
    entries = client.get("/admin/api/channels/news/audit", headers=AUTH).get_json()["entries"]
    assert [(e["actor"], e["action"]) for e in entries] == [("cli", "unhide"), ("cli", "pin"), ("cli", "hide")]


def test_the_cli_refuses_unknown_items_and_bad_times(cli, ids):
    unknown = cli("items", "hide", "nope")
    assert unknown.exit_code == 1 and "nope" in unknown.output
    past = cli("items", "pin", ids["a"], "--until", "2020-01-01T00:00:00+00:00")
    assert past.exit_code == 1 and "until" in past.output and "future" in past.output


@pytest.mark.slow
def test_a_real_worker_publishes_the_hides_and_pins(web, start_worker):  # noqa: F811
    ids = fill(web.application.extensions["backend"])
    start_worker()
    web.patch(f"/admin/api/items/{ids['a']}", headers=AUTH, json={"hidden": True})
    web.patch(f"/admin/api/items/{ids['d']}", headers=AUTH, json={"pinned": True})
    wait_for(lambda: latest(web)[0] == [ids["d"], ids["b"], ids["c"]], timeout=30,
             what="the worker's publish")
    assert all(ids["a"] not in carried for carried in feed_ids(web).values())
