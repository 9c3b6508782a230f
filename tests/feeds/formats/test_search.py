"""The Roku Search feed: the same catalogue as the Roku feed, valid for any items."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from feeds.formats.roku import Shape, build_roku_feed, series_id
from feeds.formats.search import build_search_feed
from feeds.formats.validate import validate_search_feed
from tests.feeds.formats.test_roku import HLS, MP4, NOW, SHAPES, catalogues, make_channel, make_item, weekly


def search(items, channel=None, shapes=None, budget=None) -> dict:
    channel = channel or make_channel()
    return build_search_feed(channel, build_roku_feed(channel, items, NOW, shapes, budget))


def test_each_playable_item_is_an_asset_whose_play_id_is_its_id():
    feed = search([make_item("a", summary="Short.", body=["A longer story."], videos=[HLS, MP4]),
                   make_item("text", videos=[]), make_item("live", kind="live")])
    assert validate_search_feed(feed) == []
    [asset] = feed["assets"]
    assert asset["id"] == asset["content"]["playOptions"][0]["playId"] == "a"
    assert asset["type"] == "shortForm" and asset["durationInSeconds"] == 90
    assert asset["titles"] == [{"value": "Title a", "languages": ["en"]}]
    assert asset["longDescriptions"][0]["value"] == "A longer story."
    assert asset["images"] == [{"type": "main", "url": "https://news.example/a.jpg"}]
    assert asset["content"]["playOptions"][0]["quality"] == "fhd"


def test_series_and_episodes_are_assets_of_their_own_types():
    shapes = {1: Shape(roku_type="series", series="Weekly Review")}
    feed = search(weekly(2), shapes=shapes)
    assert validate_search_feed(feed) == []
    assert [(a["id"], a["type"]) for a in feed["assets"]] == [
        (series_id("news", "Weekly Review"), "series"), ("e1", "episode"), ("e0", "episode")]


def test_language_and_country_follow_the_channel_language():
    feed = search([make_item("a")], channel=make_channel(language="en-GB"))
    assert (feed["defaultLanguage"], feed["defaultAvailabilityCountries"]) == ("en", ["gb"])
    feed = search([make_item("a")], channel=make_channel(language="fra"))
    assert (feed["defaultLanguage"], feed["defaultAvailabilityCountries"]) == ("en", ["us"])


def test_the_search_feed_is_not_bounded_by_the_roku_feed_budget():
    items = [make_item(f"i{n}", summary="word " * 60) for n in range(100)]
    assert len(search(items, budget=20_000)["assets"]) == 100


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogues())
def test_any_search_feed_is_valid(catalogue):
    channel, items = catalogue
    roku = build_roku_feed(channel, items, NOW, SHAPES, 30_000)
    feed = build_search_feed(channel, roku)
    assert validate_search_feed(feed) == []
    assert {a["id"] for a in feed["assets"] if a["type"] != "series"} == \
        {p.id for p in roku.playables if p.kind != "liveFeeds"}
