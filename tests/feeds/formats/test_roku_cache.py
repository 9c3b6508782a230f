"""The Roku builder's item cache: a warm build gives the very bytes of a cold one,
reuses what it may, and makes again whatever the output depends on that changed."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from feeds.formats.roku import RokuBuilder, Shape, build_roku_feed
from feeds.formats.roku_cache import ItemCache
from feeds.formats.roku_items import ItemMaker
from feeds.store.items import CONTENT_FIELDS
from feeds.store.tables import Item, Source
from tests.feeds.formats.test_roku import HLS, MP4, NOW, make_channel, make_item

SHAPES = {1: Shape(), 2: Shape(roku_type="movies"), 3: Shape(roku_type="tvSpecials"),
          4: Shape(roku_type="series", series="Weekly", seasons=True, description="The week.")}


def hashed(item: Item) -> Item:
    """The item with its content hash, as ``feeds.store.items`` stores it."""
    values = {name: getattr(item, name) for name in CONTENT_FIELDS}
    item.content_hash = hashlib.sha256(orjson.dumps(values, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return item


def stored(ident: str, **fields) -> Item:
    return hashed(make_item(ident, **fields))


def catalogue() -> list[Item]:
    """Every kind of item: short-form, movie, TV special, episodes over two seasons,
    live, left out (no duration, no playable video), text-only."""
    items = [stored(f"v{n}", source_id=1 + n % 4, categories=[f"Section {n % 3}"],
                    published=NOW - timedelta(days=40 * n), tags=["politics"]) for n in range(12)]
    items += [stored("live", kind="live", duration=None),
              stored("short", duration=None),
              stored("webm", videos=[{"url": "https://x/a.webm", "type": "video/webm"}]),
              stored("text", kind="article", videos=[]),
              stored("mp4", videos=[MP4], image_url="")]
    return items


def build(items, channel=None, shapes=SHAPES, cache=None, budget=None):
    return build_roku_feed(channel or make_channel(), items, NOW, dict(shapes), budget, cache)


def same(first, second) -> bool:
    return (first.to_bytes() == second.to_bytes() and first.left_out == second.left_out
            and first.text_only == second.text_only)


def test_a_warm_build_gives_the_bytes_of_a_cold_one():
    items = catalogue()
    cache = ItemCache()
    cold = build(items, cache=cache)
    warm = build(items, cache=cache)
    uncached = build(items)
    assert same(cold, warm) and same(warm, uncached)
    assert warm.to_bytes() == orjson.dumps(uncached.doc) == orjson.dumps(warm.doc)
    assert "series" in warm.doc and "liveFeeds" in warm.doc and warm.left_out and warm.text_only


def test_a_warm_build_under_a_budget_gives_the_bytes_of_a_cold_one():
    items = [stored(f"i{k:04}", summary="word " * 60, source_id=1 + k % 4,
                    published=NOW - timedelta(hours=k)) for k in range(400)]
    cache = ItemCache()
    build(items, cache=cache, budget=40_000)
    warm = build(items, cache=cache, budget=40_000)
    assert same(warm, build(items, budget=40_000))
    assert len(warm.to_bytes()) <= 40_000 and warm.left_out


def test_a_warm_build_makes_only_the_items_that_changed(monkeypatch):
    items = catalogue()
    cache = ItemCache()
    build(items, cache=cache)
    made = []
    real = ItemMaker.make
    monkeypatch.setattr(ItemMaker, "make", lambda self, item, shape: made.append(item.id) or real(self, item, shape))
    items[3].title = "A new title"
    hashed(items[3])
    warm = build(items, cache=cache)
    assert made == [items[3].id]
    assert same(warm, build(items)) and b"A new title" in warm.to_bytes()


def test_changed_content_is_not_served_from_the_cache():
    items = catalogue()
    cache = ItemCache()
    before = build(items, cache=cache).to_bytes()
    items[0].summary = "Something else entirely."
    hashed(items[0])
    after = build(items, cache=cache)
    assert after.to_bytes() != before and same(after, build(items))


def test_a_new_publication_time_with_the_same_hash_is_not_served_from_the_cache():
    """An undated entry's time is not in its hash."""
    items = catalogue()
    cache = ItemCache()
    before = build(items, cache=cache).to_bytes()
    items[0].published -= timedelta(days=400)
    after = build(items, cache=cache)
    assert after.to_bytes() != before and same(after, build(items))


def test_channel_settings_are_not_served_from_the_cache():
    items = catalogue()
    cache = ItemCache()
    plain = make_channel(timezone="Pacific/Kiritimati")
    build(items, channel=plain, cache=cache)
    for channel in (make_channel(timezone="Pacific/Pago_Pago"),
                    make_channel(timezone="Pacific/Kiritimati", default_thumbnail="https://news.example/other.jpg"),
                    make_channel(timezone="Pacific/Kiritimati", default_thumbnail="")):
        warm = build(items, channel=channel, cache=cache)
        assert warm.to_bytes() != build(items, channel=plain).to_bytes()
        assert same(warm, build(items, channel=channel))


def test_a_source_s_new_shape_is_not_served_from_the_cache():
    items = catalogue()
    cache = ItemCache()
    build(items, cache=cache)
    for shapes in ({**SHAPES, 1: Shape(roku_type="movies")},
                   {**SHAPES, 4: Shape(roku_type="series", series="Monthly", seasons=True)},
                   {**SHAPES, 4: Shape(roku_type="series", series="Weekly")},
                   {**SHAPES, 4: Shape(roku_type="series", series="Weekly", seasons=True, description="New.")}):
        warm = build(items, shapes=shapes, cache=cache)
        assert warm.to_bytes() != build(items).to_bytes()
        assert same(warm, build(items, shapes=shapes))


def test_episodes_are_renumbered_when_one_comes_in():
    items = [stored(f"e{n}", source_id=4, published=NOW - timedelta(weeks=n)) for n in range(5)]
    cache = ItemCache()
    build(items[1:], cache=cache)
    warm = build(items, cache=cache)
    assert same(warm, build(items))
    assert [e["episodeNumber"] for s in warm.doc["series"][0]["seasons"] for e in s["episodes"]][-1] == 5


def test_items_without_a_content_hash_are_not_cached():
    cache = ItemCache()
    item = make_item("a")
    build([item], cache=cache)
    item.title = "Changed in place"
    assert b"Changed in place" in build([item], cache=cache).to_bytes()
    assert cache.previous("news", RokuBuilder(make_channel()).setting) == {}


def test_items_no_longer_built_fall_out_and_channels_are_bounded():
    cache = ItemCache(channels=2)
    items = catalogue()
    build(items, cache=cache)
    build(items[:5], cache=cache)
    setting = RokuBuilder(make_channel()).setting
    assert set(cache.previous("news", setting)) == {item.id for item in items[:5]}
    for name in ("b", "c"):
        build([stored(f"{name}1", channel_id=name)], channel=make_channel(id=name), cache=cache)
    assert list(cache.entries) == ["b", "c"]


def test_a_partial_build_of_a_builder_without_a_cache_leaves_the_cache_alone():
    cache = ItemCache()
    items = catalogue()
    build(items, cache=cache)
    RokuBuilder(make_channel(), SHAPES).build(items[:1], budget=None)
    assert len(cache.previous("news", RokuBuilder(make_channel()).setting)) > 1


def test_items_read_back_from_the_store_build_the_same_feed_loaded_or_expired(backend):
    """The builder reads each item's columns from the values SQLAlchemy has loaded;
    expired ones (after a commit, say) are loaded again, not missed."""
    with backend.Session() as session:
        session.add(make_channel())
        session.add_all(Source(id=n, channel_id="news", kind="mrss", url=f"https://news.example/{n}")
                        for n in SHAPES)
        session.flush()
        session.add_all(catalogue())
        session.commit()
    with backend.Session() as session:
        items = list(session.scalars(select(Item)))
        cache = ItemCache()
        loaded = build(items, cache=cache)
        session.expire_all()
        session.expire(items[0], ["title"])
        expired = build(items, cache=cache)
        assert same(expired, loaded) and same(loaded, build(catalogue()))


# Property: whatever changes between builds, a warm build is the cold build.

changes = st.lists(st.tuples(st.integers(0, 19), st.sampled_from(
    ["title", "summary", "image", "video", "live", "published", "source", "drop", "text"])), max_size=8)


def changed(item: Item, what: str) -> Item | None:
    if what == "drop":
        return None
    edits = {"title": dict(title=item.title + " more"), "summary": dict(summary=item.summary + " more"),
             "image": dict(image_url="" if item.image_url else "https://i.example/b.jpg"),
             "video": dict(videos=[MP4] if item.videos == [HLS] else [HLS]),
             "live": dict(kind="video" if item.kind == "live" else "live"),
             "published": dict(published=item.published - timedelta(days=200)),
             "source": dict(source_id=item.source_id % 4 + 1), "text": dict(videos=[])}[what]
    fields = {name: getattr(item, name) for name in ("kind", "title", "summary", "image_url", "videos",
                                                     "published", "source_id", "categories")}
    return stored(item.id, **{**fields, **edits})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(changes, min_size=1, max_size=4), st.sampled_from(["UTC", "Asia/Tokyo"]),
       st.sampled_from([None, 6_000]))
def test_any_sequence_of_warm_builds_gives_the_cold_bytes(rounds, zone, budget):
    items = {n: stored(f"i{n}", source_id=1 + n % 4, categories=[f"S{n % 3}"],
                       published=NOW - timedelta(days=50 * n)) for n in range(20)}
    cache = ItemCache()
    channel = make_channel(timezone=zone)
    build(list(items.values()), channel=channel, cache=cache, budget=budget)
    for round_ in rounds:
        for n, what in round_:
            if n in items:
                item = changed(items[n], what)
                if item is None:
                    del items[n]
                else:
                    items[n] = item
        current = list(items.values())
        warm = build(current, channel=channel, cache=cache, budget=budget)
        assert same(warm, build(current, channel=channel, budget=budget))
        assert warm.to_bytes() == orjson.dumps(warm.doc)
