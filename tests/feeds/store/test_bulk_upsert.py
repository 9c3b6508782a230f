"""Storing entries in batches, on SQLite and on PostgreSQL: the same items, ids and
counts as storing them one by one, a fixed number of statements per batch whatever
its size, nothing written for an unchanged feed, and an item stored by another
refresh meanwhile updated rather than duplicated."""
from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from feeds.model import Entry
from feeds.store import items as store_items
from feeds.store.ids import item_id
from feeds.store.items import item_values, upsert_entries
from feeds.store.tables import Item
from tests.feeds.conftest import START, entry
from tests.feeds.store.test_catalog import plans_of

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(catalog_store):
    return catalog_store


def stored(store) -> dict[str, tuple]:
    with store.Session() as session:
        return {item.key: (item.id, item.title, item.url, item.published)
                for item in session.scalars(select(Item))}


def run(store, entries, now=NOW, **options) -> tuple[int, int, int]:
    with store.Session() as session:
        counts = upsert_entries(session, "news", 1, entries, now, **options)
        session.commit()
    return counts.new, counts.updated, counts.unchanged


@contextmanager
def statements(store):
    """The SQL statements sent while inside (an executemany counts once)."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(" ".join(statement.split()).upper())

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(store.engine, "before_cursor_execute", record)


def writes(sent: list[str]) -> list[str]:
    return [s for s in sent if s.startswith(("INSERT INTO ITEMS", "UPDATE ITEMS"))]


def reference(calls: list[list[Entry]], channel: str = "news") -> tuple[list, dict]:
    """Storing one entry at a time, as the store did before batches: the counts of
    each call and the items (key -> id, title, url, published) at the end."""
    rows: dict[str, dict] = {}
    all_counts = []
    for call in calls:
        counts, seen = [0, 0, 0], set()
        for e in call:
            if e.key in seen:
                continue
            seen.add(e.key)
            values = item_values(e)
            matches = sorted((r for r in rows.values() if r["key"] == e.key or (e.url and r["url"] == e.url)),
                             key=lambda r: r["id"])
            found = next((r for r in matches if r["key"] == e.key), matches[0] if matches else None)
            if found is None:
                rows[e.key] = {"id": item_id(channel, e.key), "key": e.key, "published": NOW, **values}
                counts[0] += 1
            elif found["content_hash"] == values["content_hash"]:
                counts[2] += 1
            else:
                found.update(values)
                counts[1] += 1
        all_counts.append(tuple(counts))
    return all_counts, {r["key"]: (r["id"], r["title"], r["url"], r["published"]) for r in rows.values()}


def random_calls(seed: int) -> list[list[Entry]]:
    """Feeds that repeat keys, share and move canonical URLs, change and leave out
    dates: three refreshes of up to 30 entries drawn from 12 keys and 6 URLs."""
    rng = random.Random(seed)

    def one() -> Entry:
        dated = rng.random() < 0.7
        return Entry(key=f"k{rng.randrange(12)}", title=f"T{rng.randrange(3)}",
                     url=rng.choice(["", *(f"https://news.example/u{n}" for n in range(6))]),
                     published=START + timedelta(minutes=rng.randrange(3)) if dated else None)
    return [[one() for _ in range(rng.randrange(1, 30))] for _ in range(3)]


@pytest.mark.parametrize("batch_size", [1, 4, 500])
def test_batches_store_what_one_by_one_stored(store, batch_size):
    for seed in range(6):
        with store.Session() as session:
            session.query(Item).delete()
            session.commit()
        calls = random_calls(seed)
        expected_counts, expected_items = reference(calls)
        counts = [run(store, iter(call), batch_size=batch_size) for call in calls]
        assert counts == expected_counts, f"seed {seed}"
        assert stored(store) == expected_items, f"seed {seed}"


def test_a_batch_costs_the_same_statements_small_or_large(store):
    costs = []
    for size in (3, 300):
        keys = [f"{size}-{n}" for n in range(size)]
        run(store, [entry(k, n) for n, k in enumerate(keys)])
        changed = [entry(k, n, title="Changed") for n, k in enumerate(keys[: size // 3])]
        fresh = [entry(f"{k}-new", n) for n, k in enumerate(keys[size // 3: 2 * size // 3])]
        same = [entry(k, n) for n, k in enumerate(keys) if n >= 2 * size // 3]
        with statements(store) as sent:
            assert run(store, changed + fresh + same) == (len(fresh), len(changed), len(same))
        costs.append(len(sent))
    assert costs[0] == costs[1] and costs[0] <= 8, costs


def test_a_large_feed_is_stored_a_batch_at_a_time(store):
    with statements(store) as sent:
        assert run(store, (entry(f"k{n}", n) for n in range(25)), batch_size=10) == (25, 0, 0)
    assert sum(s.startswith("INSERT INTO ITEMS") for s in sent) == 3
    assert len(stored(store)) == 25


def test_refreshing_an_unchanged_feed_writes_nothing_until_a_day_has_passed(store):
    entries = [entry(f"k{n}", n) for n in range(20)]
    run(store, entries)
    with statements(store) as sent:
        assert run(store, entries, NOW + timedelta(hours=20)) == (0, 0, 20)
    assert writes(sent) == []
    with statements(store) as sent:
        assert run(store, entries, NOW + timedelta(days=2)) == (0, 0, 20)
    assert len(writes(sent)) == 1, "one statement moves last_seen on"
    with store.Session() as session:
        assert set(session.scalars(select(Item.last_seen))) == {NOW + timedelta(days=2)}


def test_an_item_stored_meanwhile_by_another_refresh_is_updated_not_duplicated(store, monkeypatch):
    run(store, [entry("a", 0), entry("b", 1)])
    monkeypatch.setattr(store_items, "_lookup", lambda *args: [])  # as if read before they came
    assert run(store, [entry("a", 0), entry("b", 1, title="Changed"), entry("c", 2)]) == (1, 1, 1)
    assert sorted((key, title) for key, (_, title, _, _) in stored(store).items()) == [
        ("a", "Story a"), ("b", "Changed"), ("c", "Story c")]


def test_items_already_in_the_session_show_what_was_stored(store):
    run(store, [entry("a", 0)])
    with store.Session() as session:
        item = session.scalars(select(Item)).one()
        upsert_entries(session, "news", 1, [entry("a", 0, title="Corrected")], NOW)
        session.commit()
        assert item.title == "Corrected"


def test_a_batch_finds_its_items_by_index_not_by_reading_the_channel(store):
    run(store, [entry(f"k{n}", n) for n in range(30)])
    plans = plans_of(store, lambda: run(store, [entry(f"k{n}", n, title="Changed") for n in range(30)]))
    assert plans
    for plan in plans:
        lines = [line.strip() for line in plan.splitlines()]
        assert "Seq Scan" not in plan and not any(line.startswith("SCAN") for line in lines), plan
        probes = [line for line in lines if line.startswith(("SEARCH", "Index Cond"))]
        assert probes and all(("key" in line or "url" in line) for line in probes), \
            f"each probe names a key or a URL, not only the channel:\n{plan}"


def test_an_item_stored_under_an_id_of_its_own_is_still_found_by_its_key(store):
    with store.Session() as session:
        session.add(Item(id="custom", channel_id="news", key="k1", kind="article", title="Old",
                         published=START, content_hash="old"))
        session.commit()
    assert run(store, [entry("k1", 0, title="New"), entry("k2", 1)]) == (1, 1, 0)
    assert {key: (ident, title) for key, (ident, title, _, _) in stored(store).items()} == {
        "k1": ("custom", "New"), "k2": (item_id("news", "k2"), "Story k2")}


def test_progress_is_told_how_many_entries_are_stored_after_each_batch(store):
    told: list[int] = []
    entries = [entry(f"k{n}", n) for n in range(25)]
    assert run(store, [*entries, entry("k0", 0)], batch_size=10, progress=told.append) == (25, 0, 0)
    assert told == [10, 20, 25], "an entry whose key came before is not counted"
    told.clear()
    assert run(store, entries[:12], batch_size=10, progress=told.append) == (0, 0, 12)
    assert told == [10, 12], "unchanged entries count as stored"
