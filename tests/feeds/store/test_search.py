"""Searching the catalogue, on SQLite (FTS5) and on PostgreSQL (full text): ranking,
prefixes, phrases, exclusions, accents and case with the seed article among the items,
snippets, paging while items arrive, and the index kept in step with the items."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update

from channel import create_app
from feeds.ingest.article import parse_article
from feeds.model import Video
from feeds.store import catalog, search
from feeds.store.tables import Channel, Item, ItemSection
from tests.channel.test_openapi import check_answer
from tests.conftest import make_settings, shared
from tests.feeds.conftest import START, add, entry, page

SEED_URL = "https://www.presstv.com/Detail/2018/12/30/584480/Russia-Putin-US-dialogue"
# Text search configurations and their stemming are PostgreSQL's (FTS5 stems with porter,
# whatever the language): these tests run there only.
POSTGRESQL_ONLY = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def store(catalog_store):
    return catalog_store


@pytest.fixture
def app(store):
    app = create_app(make_settings(store.settings.database_url), run_tasks=False)
    app.config["TESTING"] = True
    yield app
    app.extensions["backend"].close()


def titles(result: catalog.Page) -> list[str]:
    return [item.title for item in result.items]


def every_page(store, query: str, limit: int, between=None) -> list[str]:
    """Titles of every page of a search, calling ``between(n)`` after page n."""
    seen, cursor, number = [], "", 0
    while True:
        result = page(store, query=query, limit=limit, cursor=cursor)
        seen += titles(result)
        number += 1
        if between:
            between(number)
        if not (cursor := result.next_cursor):
            return seen


def test_title_ranks_above_summary_above_body_and_newer_first_among_equals(store):
    add(store, [entry("body", 9, title="Weather", body=["The harbour flooded."]),
                entry("summary", 1, title="Storms", summary="The harbour is shut."),
                entry("old-title", 2, title="Harbour closes"),
                entry("new-title", 5, title="Harbour reopens"),
                entry("none", 8, title="Nothing to see")])
    assert titles(page(store, query="harbour")) == [
        "Harbour reopens", "Harbour closes", "Storms", "Weather"]


def test_the_last_word_is_a_prefix_unless_the_text_ends_with_a_space(store):
    add(store, [entry("a", 1, title="Minister resigns"), entry("b", 0, title="Ministry of Sound")])
    assert titles(page(store, query="minis")) == ["Minister resigns", "Ministry of Sound"]
    assert titles(page(store, query="resigns minis")) == ["Minister resigns"]
    assert titles(page(store, query="minis ")) == []
    assert titles(page(store, query="mi")) == [], "under three letters a word alone is taken whole"
    assert titles(page(store, query="ministry o")) == ["Ministry of Sound"], "a word being typed is left out"
    assert titles(page(store, query="ministry o ")) == [], "a short word typed whole counts"


def test_phrases_exclusions_and_alternatives(store):
    add(store, [entry("p", 3, title="Storm hits the harbour wall"),
                entry("q", 2, title="Harbour storm warning"),
                entry("r", 1, title="Storm over the airport")])
    assert titles(page(store, query='"storm hits"')) == ["Storm hits the harbour wall"]
    assert titles(page(store, query='"harbour storm"')) == ["Harbour storm warning"]
    assert titles(page(store, query="storm -harbour")) == ["Storm over the airport"]
    assert sorted(titles(page(store, query="airport or wall"))) == [
        "Storm hits the harbour wall", "Storm over the airport"]
    assert titles(page(store, query="-storm")) == [], "exclusions alone ask for nothing"
    assert titles(page(store, query='!!! ""')) == []


def test_accents_case_and_possessives_with_the_seed_article_among_the_items(store):
    seed = parse_article(shared("seeds", "press-article.html").read_bytes(), SEED_URL)
    add(store, [seed, entry("sp", 1, title="Floods in São Paulo", body=["Rain in SÃO PAULO."]),
                entry("other", 2, title="Paolo Rossi scores")])
    assert titles(page(store, query="Sao Paulo")) == ["Floods in São Paulo"]
    assert titles(page(store, query="são paulo")) == ["Floods in São Paulo"]
    assert titles(page(store, query="Putin's")) == [seed.title]
    assert titles(page(store, query="PUTIN dialogue")) == [seed.title]
    assert titles(page(store, query='"wide-ranging dialogue"')) == [seed.title]


def test_a_snippet_says_why_an_item_matched_as_escaped_html(store):
    add(store, [entry("a", 0, title="Budget", summary="",
                      body=["Nothing here.", "Fares < costs & the <b>ferry</b> reopened."])])
    result = page(store, query="ferry")
    snippet = result.snippets[result.items[0].id]
    assert "<mark>ferry</mark>" in snippet
    assert "Fares &lt; costs &amp; the" in snippet
    assert "<b>" not in snippet, "markup in the text is escaped (or left out), never passed on"


def test_hidden_items_and_other_sections_are_left_out(store):
    add(store, [entry("w", 2, title="Harbour news", categories=["News", "World"]),
                entry("s", 1, title="Harbour derby", categories=["Sport"]),
                entry("h", 0, title="Harbour secret")])
    with store.Session() as session:
        session.execute(update(Item).where(Item.key == "h").values(hidden=True))
        session.commit()
    assert titles(page(store, query="harbour")) == ["Harbour news", "Harbour derby"]
    assert titles(page(store, query="harbour", category="Sport")) == ["Harbour derby"]


@pytest.mark.parametrize("window", [3, 200])
def test_paging_repeats_and_skips_nothing_while_matching_items_arrive(store, monkeypatch, window):
    """Within the ranked window and beyond it (a window of 3 puts most pages past it)."""
    monkeypatch.setattr(search, "RANK_WINDOW", window)
    first = [entry(f"t{n}", n, title=f"Harbour {n}") for n in range(0, 12, 3)]
    first += [entry(f"b{n}", n, title=f"Item {n}", body=[f"harbour {n}"]) for n in range(1, 12, 3)]
    first += [entry(f"s{n}", n, title=f"Story {n}", summary="harbour") for n in range(2, 12, 3)]
    add(store, first)
    arriving = iter([entry(f"new{n}", 100 + n, title=f"Harbour new {n}") for n in range(4)]
                    + [entry(f"newbody{n}", 200 + n, body=["harbour"]) for n in range(4)])

    def more_arrive(number):
        add(store, [next(arriving), next(arriving)] if number <= 4 else [])

    seen = every_page(store, "harbour", 2, more_arrive)
    assert len(seen) == len(set(seen)), "an item came twice"
    assert {e.title for e in first} <= set(seen), "an item there from the start was skipped"
    if window == 200:
        assert seen[:4] == ["Harbour 9", "Harbour 6", "Harbour 3", "Harbour 0"]


def test_a_cursor_of_another_search_or_not_ours_is_refused(store):
    add(store, [entry(f"k{n}", n, title=f"Harbour {n}") for n in range(3)])
    cursor = page(store, query="harbour", limit=1).next_cursor
    assert titles(page(store, query="harbour", limit=1, cursor=cursor)) == ["Harbour 1"]
    for bad in (page(store, limit=1).next_cursor, "!!!", cursor[:-4]):
        with pytest.raises(catalog.BadCursor):
            page(store, query="harbour", cursor=bad)
    with pytest.raises(catalog.BadCursor):
        page(store, query="harbours", cursor=cursor)


def test_the_index_follows_updates_and_deletes(store):
    add(store, [entry("a", 0, title="Bridge opens", body=["A ferry too."])])
    add(store, [entry("a", 0, title="Tunnel opens", body=["No ferry."])])
    assert titles(page(store, query="bridge")) == []
    assert titles(page(store, query="tunnel")) == ["Tunnel opens"]
    with store.Session() as session:
        session.delete(session.get(Channel, "news"))
        session.commit()
        session.add(Channel(id="news", title="News again"))
        session.commit()
    assert titles(page(store, query="tunnel")) == []
    if store.engine.dialect.name == "sqlite":
        with store.engine.begin() as connection:
            connection.execute(text("INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 0)"))


def test_rebuild_indexes_in_the_channel_language(store):
    """An English channel stems ("resigned" finds "resigns"); a channel without a
    language (PostgreSQL's ``simple``) matches words as they are."""
    with store.Session() as session:
        session.get(Channel, "news").language = ""
        session.commit()
    add(store, [entry("a", 0, title="Minister resigns")])
    with store.Session() as session:
        session.execute(delete(ItemSection))  # as if the sections had been lost
        session.commit()
        assert search.rebuild(session, "news") == 1
        session.commit()
    assert titles(page(store, query="minister resigns")) == ["Minister resigns"]
    assert titles(page(store, category="World")) == ["Minister resigns"]
    with store.Session() as session:
        session.get(Channel, "news").language = "en-GB"
        assert search.rebuild(session) == 1
        session.commit()
        assert session.scalar(select(Item.search_config)) == "english"
    assert titles(page(store, query="resigned ")) == ["Minister resigns"]


@POSTGRESQL_ONLY
def test_a_new_language_reindexes_the_channel_at_once(store, app, tmp_path):
    """Ops change the channel's language (``channel sources import``; the admin API's
    PATCH goes through the same store function): the next search stems in it, with
    no ``channel search rebuild``."""
    def set_language(language: str) -> None:
        settings = tmp_path / "channels.toml"
        settings.write_text(f'[[channels]]\nid = "news"\ntitle = "News"\nlanguage = "{language}"\n')
        result = app.test_cli_runner().invoke(args=["sources", "import", str(settings)])
        assert result.exit_code == 0, result.output

    set_language("")
    add(store, [entry("a", 0, title="Running late")])
    assert titles(page(store, query="run ")) == [], "no stemming without a language"
    set_language("en-GB")
    assert titles(page(store, query="run ")) == ["Running late"]
    found = app.test_client().get("/api/v1/channels/news/items?q=run%20").get_json()["items"]
    assert [item["title"] for item in found] == ["Running late"]


@POSTGRESQL_ONLY
def test_a_long_body_is_searched_by_its_opening(store):
    """The vector is made from a body's first 4,000 characters: its opening finds the
    item, a word only further down does not (SQLite's FTS5 indexes it all)."""
    body = ["The harbour reopened after the storm."] + ["Filler about the weather all day long."] * 120
    add(store, [entry("long", 0, title="Ferry news", body=[*body, "Zanzibar."])])
    assert titles(page(store, query="harbour ")) == ["Ferry news"]
    assert titles(page(store, query="zanzibar ")) == []


def test_an_update_that_leaves_the_text_as_it_was_keeps_the_item_found(store):
    add(store, [entry("a", 0, title="Harbour reopens", videos=[Video(url="https://cdn.example/1.m3u8")])])
    add(store, [entry("a", 0, title="Harbour reopens", videos=[Video(url="https://cdn.example/2.m3u8")])])
    assert titles(page(store, query="harbour")) == ["Harbour reopens"]
    assert titles(page(store, query="reopens ")) == ["Harbour reopens"]


def test_an_item_written_without_the_upsert_is_indexed_in_its_channel_language(store):
    with store.Session() as session:
        session.add(Item(id="direct", channel_id="news", key="direct", kind="article",
                         title="Ministers resigned", published=START, content_hash="x"))
        session.commit()
    assert titles(page(store, query="minister resigns ")) == ["Ministers resigned"]


@POSTGRESQL_ONLY
def test_every_language_has_its_configuration_on_postgresql(store):
    with store.engine.connect() as connection:
        for code in [*search.STEMMERS, "", "xx", "pt-BR", "nb_NO"]:
            name = connection.scalar(text("SELECT channel_search_config(:code)"), {"code": code})
            assert name == search.search_config(code)
            assert connection.scalar(text("SELECT count(*) FROM pg_ts_config WHERE cfgname = :name"),
                                     {"name": f"channel_{name}"}) == 1


def test_the_api_pages_a_search_with_snippets_as_its_document_says(store, app):
    add(store, [entry(f"k{n}", n, title=f"Harbour {n}", body=["The ferry is late."]) for n in range(3)])
    client = app.test_client()
    spec = client.get("/openapi.json").get_json()
    url = "/api/v1/channels/news/items?q=ferry&limit=2"
    first = client.get(url)
    check_answer(spec, "/api/v1/channels/{channel}/items", "get", first)
    second = client.get(f"{url}&cursor={first.get_json()['next_cursor']}")
    found = first.get_json()["items"] + second.get_json()["items"]
    assert [item["title"] for item in found] == ["Harbour 2", "Harbour 1", "Harbour 0"]
    assert all("<mark>ferry</mark>" in item["snippet"] for item in found)
    listing = client.get("/api/v1/channels/news/items?limit=1").get_json()
    assert "snippet" not in listing["items"][0]
    refused = client.get(f"{url}&cursor={listing['next_cursor']}")
    assert refused.status_code == 400 and "cursor" in refused.get_json()["error"]


def test_the_cli_rebuilds_the_index(store, app):
    add(store, [entry("a", 0, title="Harbour")])
    cli = app.test_cli_runner()
    result = cli.invoke(args=["search", "rebuild", "--channel", "news"])
    assert result.exit_code == 0 and "reindexed 1 items of channel news" in result.output
    assert titles(page(store, query="harbour")) == ["Harbour"]
    unknown = cli.invoke(args=["search", "rebuild", "--channel", "nope"])
    assert unknown.exit_code == 1 and "no channel 'nope'" in unknown.output
