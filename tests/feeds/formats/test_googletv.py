"""The Google TV (Media Actions) data feed builder and its validator: each clip's watch
action to our deep link, the live stream as a broadcast, and a property test."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
from hypothesis import HealthCheck, given, settings

from feeds.formats.googletv import build_google_feed, iso_duration
from feeds.formats.roku import build_roku_feed
from feeds.formats.validate_kind import GOOGLE, validate_any
from feeds.formats.validate_more import validate_google_feed
from feeds.settings import public_url
from tests.feeds.formats.test_roku import HLS, MP4, NOW, SHAPES, catalogues, make_channel, make_item

CONTEXT = ["http://schema.org", {"@language": "en"}]


def google(items, channel=None, shapes=None, budget=None) -> dict:
    channel = channel or make_channel()
    return build_google_feed(channel, build_roku_feed(channel, items, NOW, shapes, budget))


def test_the_envelope_is_a_data_feed_dated_by_its_newest_item():
    doc = google([make_item("a"), make_item("b", published=NOW.replace(hour=9))])
    assert validate_google_feed(doc) == []
    assert {k: doc[k] for k in ("@context", "@type", "dateModified")} == {
        "@context": "http://schema.org", "@type": "DataFeed", "dateModified": "2026-11-30T12:00:00+00:00"}


def test_a_clip_is_a_video_object_whose_watch_action_opens_our_deep_link():
    [clip] = google([make_item("a", videos=[MP4, HLS], duration=212)])["dataFeedElement"]
    action = clip.pop("potentialAction")
    assert clip == {
        "@context": CONTEXT, "@type": "VideoObject", "@id": f"{public_url()}api/v1/items/a",
        "name": "Title a", "description": "Summary of a.", "inLanguage": "en",
        "url": "https://news.example/a", "thumbnailUrl": "https://news.example/a.jpg",
        "uploadDate": "2026-11-30T12:00:00+00:00", "duration": "PT3M32S", "contentUrl": HLS["url"]}
    target = action["target"]
    assert action["@type"] == "WatchAction" and target["@type"] == "EntryPoint"
    link = urlsplit(target["urlTemplate"])
    assert f"{link.scheme}://{link.netloc}/" == public_url()
    assert link.path == "/api/v1/channels/news/deeplink"
    assert parse_qs(link.query) == {"contentId": ["a"], "mediaType": ["shortFormVideo"]}
    assert "http://schema.org/AndroidTVPlatform" in target["actionPlatform"]
    access = action["actionAccessibilityRequirement"]
    assert access["category"] == "nologinrequired"
    assert access["availabilityStarts"] == "2026-11-30T12:00:00+00:00"
    assert access["availabilityEnds"] > "2046"
    assert access["eligibleRegion"] == [{"@type": "Country", "name": "US"}]
    assert access["expectsAcceptanceOf"]["price"] == 0


def test_the_deep_link_names_the_type_the_roku_feed_gives_the_item():
    doc = google([make_item("m", source_id=2), make_item("e", source_id=4)], shapes=SHAPES)
    types = {parse_qs(urlsplit(e["potentialAction"]["target"]["urlTemplate"]).query)["contentId"][0]:
             parse_qs(urlsplit(e["potentialAction"]["target"]["urlTemplate"]).query)["mediaType"][0]
             for e in doc["dataFeedElement"]}
    assert types == {"m": "movie", "e": "episode"}


def test_the_channel_s_countries_are_where_it_may_be_watched():
    [clip] = google([make_item("a")], channel=make_channel(countries=["gb", "ie"]))["dataFeedElement"]
    regions = clip["potentialAction"]["actionAccessibilityRequirement"]["eligibleRegion"]
    assert regions == [{"@type": "Country", "name": "GB"}, {"@type": "Country", "name": "IE"}]


def test_the_live_stream_is_a_broadcast_on_the_channel_s_service_first():
    stream = {"url": "https://cdn.example/live/master.m3u8", "type": "application/x-mpegURL", "height": 2160}
    doc = google([make_item("a"), make_item("live", kind="live", videos=[stream], duration=None)])
    live, clip = doc["dataFeedElement"]
    assert clip["@type"] == "VideoObject"
    assert live == {
        "@context": CONTEXT, "@type": "BroadcastEvent", "@id": f"{public_url()}api/v1/items/live",
        "name": "Title live", "description": "Summary of live.", "inLanguage": "en",
        "startDate": "2026-11-30T12:00:00+00:00", "isLiveBroadcast": True, "videoFormat": "4K",
        "publishedOn": {"@type": "BroadcastService", "@id": f"{public_url()}channels/news", "name": "News",
                        "broadcastDisplayName": "News Co", "inLanguage": "en", "videoFormat": "4K"}}


def test_every_item_the_roku_builder_made_valid_is_listed_even_over_the_roku_budget():
    items = [make_item(f"i{n:03}", summary="word " * 60) for n in range(100)]
    roku = build_roku_feed(make_channel(), items, NOW, None, 20_000)
    assert len(roku.carried) < 100
    assert len(build_google_feed(make_channel(), roku)["dataFeedElement"]) == 100


@pytest.mark.parametrize("seconds, expected", [(0, "PT0S"), (59, "PT59S"), (60, "PT1M"), (3600, "PT1H"),
                                               (3725, "PT1H2M5S"), (86400, "PT24H")])
def test_durations_are_iso_8601(seconds, expected):
    assert iso_duration(seconds) == expected


def test_the_validator_names_each_problem_at_its_path():
    doc = google([make_item("a"), make_item("b"), make_item("live", kind="live")])
    doc["dataFeedElement"][0]["url"] = "https://news.example/live"
    clip = doc["dataFeedElement"][2]
    clip["duration"] = "212"
    clip["potentialAction"]["target"]["actionPlatform"] = ["Android TV"]
    clip["potentialAction"]["actionAccessibilityRequirement"]["eligibleRegion"] = "US"
    del clip["potentialAction"]["actionAccessibilityRequirement"]["availabilityEnds"]
    kind, problems = validate_any(orjson.dumps(doc))
    assert kind == GOOGLE
    access = "/dataFeedElement/2/potentialAction/actionAccessibilityRequirement"
    assert [(p.path, p.message) for p in problems] == [
        ("/dataFeedElement/0/url",
         "a BroadcastEvent carries no url (Google: only the program it shows has one)"),
        ("/dataFeedElement/2/duration", "must be an ISO 8601 duration like PT3M32S, got '212'"),
        (access, "missing required field 'availabilityEnds'"),
        (f"{access}/eligibleRegion", "a region given as text must be EARTH, got 'US'; "
                                     "name a country as {\"@type\": \"Country\", \"name\": \"US\"}"),
        ("/dataFeedElement/2/potentialAction/target/actionPlatform/0",
         "'Android TV' is not allowed; use one of: " + ", ".join([
             "http://schema.org/DesktopWebPlatform", "http://schema.org/MobileWebPlatform",
             "http://schema.org/AndroidPlatform", "http://schema.org/AndroidTVPlatform",
             "http://schema.org/IOSPlatform", "http://schema.googleapis.com/GoogleVideoCast",
             "http://schema.googleapis.com/GoogleAudioCast"])),
    ]


def test_a_purchase_needs_its_offer_and_other_entity_types_need_an_id():
    doc = google([make_item("a")])
    doc["dataFeedElement"][0]["potentialAction"]["actionAccessibilityRequirement"] |= {"category": "purchase"}
    del doc["dataFeedElement"][0]["potentialAction"]["actionAccessibilityRequirement"]["expectsAcceptanceOf"]
    doc["dataFeedElement"].append({"@context": "http://schema.org", "@type": "Movie"})
    problems = validate_google_feed(doc)
    assert [(p.path, p.message) for p in problems] == [
        ("/dataFeedElement/0/potentialAction/actionAccessibilityRequirement",
         "missing required field 'expectsAcceptanceOf'"),
        ("/dataFeedElement/1", "missing required field '@id'")]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogues())
def test_any_google_feed_is_valid(catalogue):
    channel, items = catalogue
    roku = build_roku_feed(channel, items, NOW, SHAPES, 30_000)
    doc = build_google_feed(channel, roku)
    assert validate_google_feed(doc) == []
    assert len(doc["dataFeedElement"]) == len(roku.playables)


def test_a_validity_window_is_the_watch_action_s_availability():
    window = {"valid_from": NOW - timedelta(days=1), "valid_until": NOW + timedelta(days=6)}
    clips = google([make_item("a", **window), make_item("b", valid_until=NOW + timedelta(hours=2))])
    access = {clip["@id"].rsplit("/", 1)[1]: clip["potentialAction"]["actionAccessibilityRequirement"]
              for clip in clips["dataFeedElement"]}
    assert (access["a"]["availabilityStarts"], access["a"]["availabilityEnds"]) == (
        "2026-11-29T12:00:00+00:00", "2026-12-06T12:00:00+00:00")
    assert (access["b"]["availabilityStarts"], access["b"]["availabilityEnds"]) == (
        "2026-11-30T12:00:00+00:00", "2026-11-30T14:00:00+00:00"), "from its publication to its window's end"
    assert validate_google_feed(clips) == []
