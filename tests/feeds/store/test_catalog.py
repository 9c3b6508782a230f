"""Reading items for the companion API, on SQLite and on PostgreSQL: cursor paging,
search, categories."""
from __future__ import annotations

import base64

import orjson
import pytest
from sqlalchemy import event, select

from feeds.formats.deeplink import find_playable
from feeds.store import catalog
from feeds.store.tables import Channel, Item
from tests.feeds.conftest import add, entry, page


@pytest.fixture
def store(catalog_store):
    return catalog_store


def titles(result: catalog.Page) -> list[str]:
    return [item.title for item in result.items]


def test_cursor_paging_stays_correct_while_newer_items_arrive(store):
    add(store, [entry(f"old{n}", n) for n in range(10)])
    first = page(store, limit=4)
    add(store, [entry(f"new{n}", 100 + n) for n in range(3)])
    second = page(store, limit=4, cursor=first.next_cursor)
    third = page(store, limit=4, cursor=second.next_cursor)
    seen = titles(first) + titles(second) + titles(third)
    assert seen == [f"Story old{n}" for n in range(9, -1, -1)]
    assert third.next_cursor is None


def test_items_published_at_the_same_moment_are_neither_repeated_nor_skipped(store):
    add(store, [entry(f"same{n}", 0) for n in range(7)])
    seen, cursor = [], ""
    while True:
        result = page(store, limit=3, cursor=cursor)
        seen += titles(result)
        if not (cursor := result.next_cursor):
            break
    assert sorted(seen) == sorted(f"Story same{n}" for n in range(7)) and len(seen) == 7


def test_search_covers_title_summary_and_body_ignoring_case(store):
    add(store, [entry("t", 3, title="Budget vote tonight"),
                entry("s", 2, summary="The MINISTER resigned"),
                entry("b", 1, body=["Nothing here.", "Talks on the économie continue."]),
                entry("u", 0, title="Économie : la reprise")])
    assert titles(page(store, query="budget")) == ["Budget vote tonight"]
    assert titles(page(store, query="minister")) == ["Story s"]
    # Ranked: the word in a title before the same word in a body, though older.
    assert titles(page(store, query="Économie")) == ["Économie : la reprise", "Story b"]
    assert titles(page(store, query="talks économie")) == ["Story b"]
    assert titles(page(store, query="100%")) == []


def test_category_filter_matches_any_level_of_the_section_path(store):
    add(store, [entry("w", 1), entry("s", 0, categories=["Sport", "Football"])])
    assert titles(page(store, category="Football")) == ["Story s"]
    assert titles(page(store, category="World")) == ["Story w"]
    assert titles(page(store, category="Wor")) == []


@pytest.mark.parametrize("cursor", ["!!!", "e30", base64.urlsafe_b64encode(
    orjson.dumps(["2026-11-01T09:00:00", "x"])).decode()])
def test_a_cursor_we_did_not_make_is_refused(store, cursor):
    with pytest.raises(catalog.BadCursor):
        page(store, cursor=cursor)


def plans_of(store, action) -> list[str]:
    """The query plan of each statement ``action`` sends that reads the items (SQLite:
    EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN with sequential scans priced out, so that
    a plan without an index shows as a Seq Scan even on a small table)."""
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and " items" in statement:
            sent.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    sqlite = store.engine.dialect.name == "sqlite"
    with store.engine.connect() as connection:
        if not sqlite:
            connection.exec_driver_sql("SET enable_seqscan = off")
        return ["\n".join(str(row[-1]) for row in connection.exec_driver_sql(
            ("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + statement, parameters))
            for statement, parameters in sent]


def test_category_listings_and_deep_links_walk_indexes_not_the_catalogue(store):
    add(store, [entry(f"w{n}", n) for n in range(30)] + [entry("s", 0, categories=["Sport"])])
    first = page(store, category="World", limit=5)
    listing = plans_of(store, lambda: page(store, category="World", limit=5, cursor=first.next_cursor))
    with store.Session() as session:
        channel = session.get(Channel, "news")
        wanted = session.scalar(select(Item.id).where(Item.key == "w3"))
        deep_link = plans_of(store, lambda: find_playable(session, channel, wanted))
    assert listing and deep_link
    for plan in listing + deep_link:
        assert "Seq Scan" not in plan and not any(
            line.startswith("SCAN") for line in plan.splitlines()), plan
    assert "TEMP B-TREE" not in listing[0] and "Sort" not in listing[0], "the index gives the order"
    start = next(line for line in listing[0].splitlines()
                 if line.startswith("SEARCH item_sections") or "Index Cond" in line)
    assert "published" in start, f"a later page starts at its cursor in the index:\n{listing[0]}"
