"""Editorial control in the store, on SQLite and PostgreSQL: checks naming each wrong
field, hides and pins reflected in every published format and the companion queries,
surviving refreshes, lapsing at their until, rows, and the audit log saying who."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import feedparser
import orjson
import pytest
from sqlalchemy import select

from feeds.backend import Backend
from feeds.dates import utcnow
from feeds.model import Entry, Video
from feeds.publish import publish_channel
from feeds.store import audit, catalog, editorial, schedule
from feeds.store.checks import Invalid
from feeds.store.ids import item_id
from feeds.store.items import upsert_entries
from feeds.store.tables import Channel, Item, Source
from tests.conftest import make_settings

NOW = utcnow().replace(microsecond=0)


@pytest.fixture
def store(database_url):
    backend = Backend.from_settings(make_settings(database_url))
    with backend.Session() as session:
        session.add(Channel(id="news", title="News", default_thumbnail="https://news.example/c.jpg"))
        session.add(Source(id=1, channel_id="news", kind="mrss", url="https://news.example/v"))
        session.commit()
    yield backend
    backend.close()


def video(key: str, hours: int, section: str = "News", **fields) -> Entry:
    values = dict(kind="video", title=f"Video {key}", summary=f"About {key}, at length.",
                  published=NOW - timedelta(hours=hours), categories=[section],
                  url=f"https://news.example/{key}", duration=60,
                  videos=[Video(url=f"https://cdn.example/{key}.m3u8", type="application/x-mpegURL")])
    return Entry(key=key, **{**values, **fields})


def add(store, entries) -> None:
    with store.Session() as session:
        upsert_entries(session, "news", 1, entries)
        session.commit()


def ident(key: str) -> str:
    return item_id("news", key)


def change(store, key: str, data: dict, actor: str = "ed", now: datetime | None = None) -> list[str]:
    now = now or utcnow()
    with store.Session() as session:
        item = session.get(Item, ident(key))
        actions = editorial.change_item(session, item, editorial.check_item_change(data, now), actor, now)
        session.commit()
        return actions


def published(store) -> dict:
    with store.Session() as session:
        publish_channel(session, store.snapshots, "news")
    body = {name: store.snapshots.get("news", name).body
            for name in ("roku.json", "search.json", "mrss.xml", "home.json")}
    roku, home = orjson.loads(body["roku.json"]), orjson.loads(body["home.json"])
    return {"roku": {p["name"]: p["itemIds"] for p in roku["playlists"]},
            "search": [asset["id"] for asset in orjson.loads(body["search.json"])["assets"]],
            "mrss": [entry.id for entry in feedparser.parse(body["mrss.xml"]).entries],
            "home": {row["name"]: [item["id"] for item in row["items"]] for row in home["rows"]}}


@pytest.fixture
def newsroom(store):
    add(store, [video("a", 1), video("b", 2, "Sport"), video("c", 3), video("d", 4, "Sport")])
    return store


def test_a_hidden_item_leaves_every_format_and_the_companion_queries(newsroom):
    hidden = ident("c")
    assert change(newsroom, "c", {"hidden": True}) == ["hide"]
    feeds = published(newsroom)
    assert hidden not in feeds["search"] and hidden not in feeds["mrss"]
    assert all(hidden not in ids for rows in (feeds["roku"], feeds["home"]) for ids in rows.values())
    assert len(feeds["search"]) == 3
    with newsroom.Session() as session:
        assert hidden not in [i.id for i in catalog.list_items(session, "news").items]
        assert catalog.list_items(session, "news", query="Video c ").items == []
        assert hidden not in [i.id for i in catalog.related_items(session, session.get(Item, ident("a")))]
        assert session.get(Item, hidden).hidden, "a hidden item stays stored"
    change(newsroom, "c", {"hidden": False})
    assert hidden in published(newsroom)["mrss"]


def test_a_pinned_item_comes_first_in_every_row_it_is_in(newsroom):
    change(newsroom, "d", {"pinned": True}, now=utcnow() - timedelta(minutes=1))
    change(newsroom, "c", {"pinned": True, "until": (utcnow() + timedelta(hours=1)).isoformat()})
    feeds = published(newsroom)
    c, d, a, b = (ident(k) for k in "cdab")
    assert feeds["roku"] == {"Latest": [c, d, a, b], "News": [c, a], "Sport": [d, b]}
    assert feeds["home"] == feeds["roku"]
    assert feeds["mrss"] == [c, d, a, b]


def test_pins_and_hides_survive_a_refresh_that_brings_the_item_again(newsroom):
    change(newsroom, "a", {"hidden": True})
    change(newsroom, "b", {"pinned": True, "until": (utcnow() + timedelta(hours=1)).isoformat()})
    add(newsroom, [video("a", 1, title="Video a, updated"), video("b", 2, summary="Changed upstream.")])
    with newsroom.Session() as session:
        a, b = session.get(Item, ident("a")), session.get(Item, ident("b"))
        assert a.title == "Video a, updated" and a.hidden
        assert b.summary == "Changed upstream." and b.pinned(utcnow())
    add(newsroom, [video("a-again", 1, url="https://news.example/a")])
    with newsroom.Session() as session:
        assert session.get(Item, ident("a-again")) is None, "the same URL is the same item"
        assert session.get(Item, ident("a")).title == "Video a-again" and session.get(Item, ident("a")).hidden
    assert published(newsroom)["roku"]["Latest"][0] == ident("b")


def test_the_tick_publishes_a_channel_once_when_its_pin_lapses(newsroom):
    start = utcnow()
    change(newsroom, "d", {"pinned": True, "until": (start + timedelta(minutes=5)).isoformat()}, now=start)
    change(newsroom, "c", {"pinned": True, "until": (start + timedelta(hours=5)).isoformat()}, now=start)
    asked: list[str] = []

    def tick(at: datetime) -> None:
        schedule.tick(newsroom.Session, lambda _: None, timedelta(hours=1), timedelta(hours=1),
                      now=at, publish=lambda channel, trigger: asked.append(f"{channel}: {trigger}"))

    tick(start + timedelta(minutes=4, seconds=59))
    assert asked == []
    tick(start + timedelta(minutes=5))
    assert asked == ["news: pin lapsed"]
    tick(start + timedelta(minutes=6))
    assert asked == ["news: pin lapsed"], "a lapsed pin asks for one publish, not one per tick"
    with newsroom.Session() as session:
        assert session.get(Item, ident("d")).pinned_at is None
        assert session.get(Item, ident("c")).pinned(start + timedelta(minutes=6))
        [entry] = [e for e in audit.entries(session, "news", 10) if e.action == "pin-lapsed"]
        assert (entry.actor, entry.target) == ("schedule", ident("d"))


def test_a_pin_set_again_before_the_tick_is_not_cleared(newsroom):
    start = utcnow()
    change(newsroom, "d", {"pinned": True, "until": (start + timedelta(minutes=1)).isoformat()}, now=start)
    change(newsroom, "d", {"pinned": True, "until": (start + timedelta(hours=1)).isoformat()}, now=start)
    with newsroom.Session() as session:
        assert editorial.lapse_pins(session, start + timedelta(minutes=2)) == set()


def test_each_change_is_recorded_with_its_actor_and_a_no_op_is_not(newsroom):
    assert change(newsroom, "a", {"hidden": True, "pinned": True}, actor="night-desk") == ["hide", "pin"]
    assert change(newsroom, "a", {"hidden": True}, actor="night-desk") == []
    assert change(newsroom, "b", {"pinned": False}) == []
    assert change(newsroom, "a", {"pinned": False}, actor="day-desk") == ["unpin"]
    with newsroom.Session() as session:
        log = [(e.actor, e.action, e.target) for e in audit.entries(session, "news", 10)]
    assert log == [("day-desk", "unpin", ident("a")), ("night-desk", "pin", ident("a")),
                   ("night-desk", "hide", ident("a"))]


def test_the_channels_rows_shape_the_roku_playlists_and_the_home_rows(newsroom):
    rows = editorial.check_rows([{"category": "Sport", "length": 1}, {"category": "latest", "length": 2}])
    with newsroom.Session() as session:
        assert editorial.set_rows(session, session.get(Channel, "news"), rows, "ed")
        session.commit()
    a, b = ident("a"), ident("b")
    expected = {"Sport": [b], "Latest": [a, b]}
    feeds = published(newsroom)
    assert feeds["roku"] == expected and feeds["home"] == expected
    with newsroom.Session() as session:
        assert editorial.set_rows(session, session.get(Channel, "news"), editorial.check_rows(None), "ed")
        assert not editorial.set_rows(session, session.get(Channel, "news"), None, "ed")
        session.commit()
        actions = [e.action for e in audit.entries(session, "news", 10)]
    assert actions == ["rows", "rows"]
    assert set(published(newsroom)["roku"]) == {"Latest", "News", "Sport"}


NOW_FIXED = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("data, fields", [
    ({"hidden": "yes", "pinned": 1, "colour": "red"}, {"hidden", "pinned", "colour"}),
    ({"until": "2027-01-01T00:00:00+00:00"}, {"until"}),
    ({"pinned": False, "until": "2027-01-01T00:00:00+00:00"}, {"until"}),
    ({"pinned": True, "until": "2027-01-01T00:00:00"}, {"until"}),
    ({"pinned": True, "until": "tomorrow"}, {"until"}),
    ({"pinned": True, "until": "2026-12-01T12:00:00+00:00"}, {"until"}),
    ({}, {"body"}),
    ([], {"body"}),
])
def test_a_bad_item_change_names_each_wrong_field(data, fields):
    with pytest.raises(Invalid) as caught:
        editorial.check_item_change(data, NOW_FIXED)
    assert set(caught.value.errors) == fields


def test_until_takes_any_offset():
    values = editorial.check_item_change({"pinned": True, "until": "2026-12-01T13:30:00+01:00"}, NOW_FIXED)
    assert values["until"] == NOW_FIXED + timedelta(minutes=30)
    assert editorial.check_item_change({"pinned": True, "until": "2026-12-02T00:00:00Z"}, NOW_FIXED)


@pytest.mark.parametrize("data, fields", [
    ("Sport", {"rows"}),
    ([{"category": "Sport"}, {"length": 3}], {"rows[0].length", "rows[1].category"}),
    ([{"category": "", "length": 0}], {"rows[0].category", "rows[0].length"}),
    ([{"category": "Sport", "length": 201, "colour": "red"}], {"rows[0].length", "rows[0].colour"}),
    ([{"category": "Sport", "length": True}], {"rows[0].length"}),
    ([{"category": "Sport", "length": 3}, {"category": " sport ", "length": 4}], {"rows[1].category"}),
    ([{"category": "x" * 25, "length": 3}, {"category": "x" * 20, "length": 4}], {"rows[1].category"}),
    ([{"category": f"s{n}", "length": 1} for n in range(31)], {"rows"}),
    (["Sport"], {"rows[0]"}),
])
def test_bad_rows_name_each_wrong_field(data, fields):
    with pytest.raises(Invalid) as caught:
        editorial.check_rows(data)
    assert set(caught.value.errors) == fields


def test_null_or_no_rows_restore_the_default():
    assert editorial.check_rows(None) is None and editorial.check_rows([]) is None
    assert editorial.check_rows({"rows": None}) is None
    assert editorial.check_rows({"rows": [{"category": "  Sport  news ", "length": 5}]}) == [
        {"category": "Sport news", "length": 5}]


def test_an_item_listed_in_its_channel_is_gone_from_the_lists_at_once(newsroom):
    with newsroom.Session() as session:
        before = [item.id for item in session.scalars(select(Item).where(Item.channel_id == "news"))]
    change(newsroom, "a", {"hidden": True})
    with newsroom.Session() as session:
        page = catalog.list_items(session, "news", limit=2)
        rest = catalog.list_items(session, "news", limit=2, cursor=page.next_cursor)
    assert [i.id for i in page.items + rest.items] == [ident(k) for k in "bcd"]
    assert len(before) == 4


def test_a_change_whose_publish_was_lost_is_published_by_the_tick(newsroom):
    published(newsroom)
    start = utcnow()
    change(newsroom, "c", {"hidden": True})
    asked: list[str] = []

    def tick(at: datetime) -> None:
        schedule.tick(newsroom.Session, lambda _: None, timedelta(hours=1), timedelta(hours=1),
                      now=at, publish=lambda channel, trigger: asked.append(f"{channel}: {trigger}"))

    tick(start + timedelta(seconds=30))
    assert asked == [], "the publish the change asked for has its time to run"
    tick(start + timedelta(minutes=2))
    assert asked == ["news: editorial (catching up)"]
    feeds = published(newsroom)
    assert ident("c") not in feeds["search"]
    tick(start + timedelta(minutes=3))
    assert asked == ["news: editorial (catching up)"], "asked once: the publish carried it"
