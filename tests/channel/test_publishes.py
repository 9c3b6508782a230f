"""Ops and a channel's publishes, through the admin API on SQLite and PostgreSQL:
history, diffs, dry runs, restore with its hold, release, retention."""
from __future__ import annotations

from datetime import timedelta

import orjson
import pytest
from sqlalchemy import select

from channel import create_app
from feeds.model import Entry, Video
from feeds.store.items import upsert_entries
from feeds.store.tables import Channel, Source, StoredSnapshot
from tests.conftest import ADMIN_TOKEN, make_settings
from tests.feeds.conftest import START

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def clip(key: str, minutes: int, title: str | None = None) -> Entry:
    return Entry(key=key, kind="video", title=title or f"Clip {key}", duration=60,
                 published=START + timedelta(minutes=minutes), categories=["News"],
                 image_url=f"https://news.example/{key}.jpg",
                 videos=[Video(url=f"https://cdn.example/{key}.m3u8", type="application/x-mpegURL")])


@pytest.fixture
def ops(database_url):
    app = create_app(make_settings(database_url))
    backend = app.extensions["backend"]
    with backend.Session() as session:
        session.add(Channel(id="news", title="News", default_thumbnail="https://news.example/c.jpg"))
        session.add(Source(id=1, channel_id="news", kind="mrss", url="https://news.example/videos"))
        session.commit()
    client = app.test_client()

    def call(method: str, path: str, **kwargs):
        return client.open(f"/admin/api/channels/news{path}", method=method, headers=AUTH, **kwargs)

    def add(*entries: Entry) -> None:
        with backend.Session() as session:
            upsert_entries(session, "news", 1, list(entries))
            session.commit()

    call.add, call.client = add, client
    yield call
    backend.close()


def publish(ops) -> dict:
    response = ops("POST", "/publish")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["report"]


def feed_etag(ops) -> str:
    return ops.client.get("/feeds/news/roku.json").headers["ETag"]


def test_three_publishes_are_listed_newest_first_and_diffed(ops):
    ops.add(clip("a", 1))
    publish(ops)
    ops.add(clip("b", 2))
    publish(ops)
    ops.add(clip("a", 1, title="Clip a, corrected"), clip("c", 3))
    publish(ops)

    page = ops("GET", "/publishes?limit=2").get_json()
    newest, middle = page["publishes"]
    assert newest["live"] and not middle["live"] and newest["id"] > middle["id"]
    assert newest["trigger"].startswith("ops") and newest["files"]["roku.json"]["etag"] == feed_etag(ops)
    [first] = ops("GET", f"/publishes?limit=2&cursor={page['next']}").get_json()["publishes"]
    assert first["id"] < middle["id"] and ops("GET", f"/publishes?cursor={first['id']}").get_json() == {
        "publishes": [], "next": None}

    second = ops("GET", f"/publishes/{middle['id']}/diff").get_json()
    assert [item["title"] for item in second["items"]["added"]] == ["Clip b"]
    assert second["items"]["removed"] == [] and "1 items added" in second["summary"]
    third = ops("GET", f"/publishes/{newest['id']}/diff?against={first['id']}").get_json()
    assert {item["title"] for item in third["items"]["added"]} == {"Clip b", "Clip c"}
    [changed] = third["items"]["changed"]
    assert changed["title"] == "Clip a, corrected" and "title" in changed["fields"]
    latest = next(p for p in third["playlists"]["changed"] if p["name"] == "Latest")
    assert len(latest["added"]) == 2 and third["sizes"]["roku.json"]["change"] > 0


def test_a_dry_run_answers_the_diff_and_publishes_nothing(ops):
    ops.add(clip("a", 1))
    publish(ops)
    before = feed_etag(ops)
    ops.add(clip("b", 2))
    dry = ops("POST", "/publish?dry_run=1").get_json()
    assert dry["dry_run"] is True and [i["title"] for i in dry["diff"]["items"]["added"]] == ["Clip b"]
    assert feed_etag(ops) == before and len(ops("GET", "/publishes").get_json()["publishes"]) == 1


def test_restore_serves_the_old_bytes_holds_the_channel_until_release(ops):
    ops.add(clip("a", 1))
    publish(ops)
    first = feed_etag(ops)
    first_id = ops("GET", "/publishes").get_json()["publishes"][0]["id"]
    ops.add(clip("b", 2))
    publish(ops)
    assert feed_etag(ops) != first

    restored = ops("POST", f"/publishes/{first_id}/restore").get_json()
    assert restored["hold"]["by"] == "admin" and restored["publish"]["trigger"] == f"restore of publish {first_id}"
    assert feed_etag(ops) == first
    assert ops("GET", "").get_json()["hold"]["publish"] == restored["publish"]["id"]

    ops.add(clip("c", 3))
    held = ops("POST", "/publish")
    assert held.status_code == 409 and "held by admin" in held.get_json()["error"]
    assert feed_etag(ops) == first

    released = ops("POST", "/release").get_json()
    assert released["report"]["carried"]["roku.json"] == 3
    assert feed_etag(ops) != first and ops("GET", "").get_json()["hold"] is None


def test_a_restore_says_which_stories_it_puts_back_on_the_air(ops):
    ops.add(clip("a", 1), clip("b", 2))
    publish(ops)
    first_id = ops("GET", "/publishes").get_json()["publishes"][0]["id"]
    items = ops.client.get("/api/v1/channels/news/items").get_json()["items"]
    hidden = next(item for item in items if item["title"] == "Clip b")
    edit = ops.client.patch(f"/admin/api/items/{hidden['id']}", headers=AUTH, json={"hidden": True})
    assert edit.status_code == 200
    publish(ops)

    restored = ops("POST", f"/publishes/{first_id}/restore").get_json()
    assert restored["back_on_air"] == [{"id": hidden["id"], "title": "Clip b", "why": "hidden by ops"}]
    roku = orjson.loads(ops.client.get("/feeds/news/roku.json").data)
    assert hidden["id"] in {video["id"] for video in roku["shortFormVideos"]}


def test_the_report_is_the_live_publishes(ops):
    assert ops("GET", "/report").status_code == 404
    ops.add(clip("a", 1), Entry(key="words", title="Words only", published=START))
    publish(ops)
    report = ops("GET", "/report").get_json()
    assert report["text_only"] == 1 and report["carried"]["roku.json"] == 1


def test_unknown_publishes_and_bad_arguments_are_4xx(ops):
    assert ops("GET", "/publishes/999").status_code == 404
    assert ops("POST", "/publishes/999/restore").status_code == 404
    assert ops("GET", "/publishes?limit=0").status_code == 400
    assert ops("GET", "/publishes?cursor=abc").status_code == 400
    ops.add(clip("a", 1))
    publish(ops)
    only = ops("GET", "/publishes").get_json()["publishes"][0]["id"]
    assert ops("GET", f"/publishes/{only}/diff?against=nope").status_code == 400
    assert ops.client.get("/admin/api/channels/news/publishes").status_code == 401


def test_retention_keeps_the_newest_and_prunes_their_bytes(database_url):
    app = create_app(make_settings(database_url, keep_publishes=2, keep_days=0))
    backend = app.extensions["backend"]
    with backend.Session() as session:
        session.add(Channel(id="news", title="News", default_thumbnail="https://news.example/c.jpg"))
        session.add(Source(id=1, channel_id="news", kind="mrss", url="https://news.example/videos"))
        session.commit()
    client = app.test_client()
    for n in range(4):
        with backend.Session() as session:
            upsert_entries(session, "news", 1, [clip(f"k{n}", n)])
            session.commit()
        assert client.post("/admin/api/channels/news/publish", headers=AUTH).status_code == 200
    kept = client.get("/admin/api/channels/news/publishes", headers=AUTH).get_json()["publishes"]
    assert len(kept) == 2 and kept[0]["live"]
    carried = {(name, f["etag"]) for publish_ in kept for name, f in publish_["files"].items()}
    with backend.Session() as session:
        stored = {tuple(row) for row in session.execute(select(StoredSnapshot.name, StoredSnapshot.etag))}
    assert stored == carried
    body = orjson.loads(client.get("/feeds/news/roku.json").data)
    assert len(body["shortFormVideos"]) == 4
    backend.close()
