"""Reading items for the companion API, on SQLite and on PostgreSQL: cursor paging,
search, categories."""
from __future__ import annotations

import base64

import orjson
import pytest

from feeds.store import catalog
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
    assert titles(page(store, query="Économie")) == ["Story b", "Économie : la reprise"]
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
