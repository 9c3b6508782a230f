"""The Roku JSON feed builder: each field rule, the left-out reasons, the size
budget, and a property test over generated items."""
from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta, timezone

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feeds.formats.roku
from feeds.formats.renditions import quality, video_type
from feeds.formats.roku import Shape, build_roku_feed, series_id
from feeds.formats.validate import validate_feed
from feeds.store.tables import Channel, Item

UTC = timezone.utc
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
HLS = {"url": "https://cdn.example/v/master.m3u8", "type": "application/x-mpegURL", "height": 1080}
MP4 = {"url": "https://cdn.example/v/720.mp4", "type": "video/mp4", "height": 720, "bitrate": 2500}


def make_channel(**fields) -> Channel:
    values = dict(id="news", title="News", provider_name="News Co", language="en",
                  timezone="UTC", default_thumbnail="https://news.example/channel.jpg")
    return Channel(**{**values, **fields})


def make_item(ident: str, **fields) -> Item:
    values = dict(channel_id="news", source_id=1, key=ident, kind="video", title=f"Title {ident}",
                  summary=f"Summary of {ident}.", body=[], body_html="",
                  image_url=f"https://news.example/{ident}.jpg", image_caption="",
                  categories=["News"], tags=[], published=NOW, published_offset=0, updated=None,
                  url=f"https://news.example/{ident}", author="", language="en",
                  videos=[HLS], duration=90, content_hash="", first_seen=NOW, last_seen=NOW)
    return Item(id=ident, **{**values, **fields})


def build(items, channel=None, shapes=None, budget=None):
    return build_roku_feed(channel or make_channel(), items, NOW, shapes, budget)


def one(item, **kwargs) -> dict:
    [video] = build([item], **kwargs).doc["shortFormVideos"]
    return video


def test_a_video_becomes_a_valid_short_form_video():
    result = build([make_item("a")])
    assert validate_feed(result.doc) == []
    video = result.doc["shortFormVideos"][0]
    assert video["id"] == "a" and video["title"] == "Title a"
    assert video["content"]["videos"] == [{"url": HLS["url"], "quality": "FHD", "videoType": "HLS"}]
    assert video["content"]["duration"] == 90
    assert result.doc["providerName"] == "News Co" and result.doc["language"] == "en"


def test_descriptions_are_cut_at_a_word_boundary_under_the_limits():
    words = [f"word{n}" for n in range(200)]
    summary = " ".join(words)
    body = [" ".join(words[:100]), " ".join(words[100:])]
    video = one(make_item("a", summary=summary, body=body))
    short, long = video["shortDescription"], video["longDescription"]
    assert len(short) <= 200 and len(long) <= 500
    for text in (short, long):
        assert text.endswith("…")
        kept = text.removesuffix("…").split(" ")
        assert kept == words[:len(kept)]


def test_long_description_is_left_out_when_it_would_repeat_the_short_one():
    video = one(make_item("a", summary="Just this.", body=[]))
    assert video["shortDescription"] == "Just this." and "longDescription" not in video


def test_short_description_falls_back_to_the_body_then_the_title():
    assert one(make_item("a", summary="", body=["From the body."]))["shortDescription"] == "From the body."
    assert one(make_item("a", summary="", body=[]))["shortDescription"] == "Title a"


@pytest.mark.parametrize("zone, expected", [
    ("UTC", "2026-11-29"), ("America/New_York", "2026-11-29"), ("Asia/Tokyo", "2026-11-30"),
])
def test_release_date_is_the_day_in_the_channel_time_zone(zone, expected):
    late = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    video = one(make_item("a", published=late), channel=make_channel(timezone=zone))
    assert video["releaseDate"] == expected
    assert video["content"]["dateAdded"] == "2026-11-29T23:30:00+00:00"


@pytest.mark.parametrize("height, width, expected", [
    (360, None, "SD"), (719, None, "SD"), (720, None, "HD"), (1080, None, "FHD"),
    (2160, None, "UHD"), (800, 1920, "FHD"), (None, None, "HD"),
])
def test_quality_follows_the_rendition_height(height, width, expected):
    assert quality(height, width) == expected


@pytest.mark.parametrize("mime, url, expected", [
    ("application/x-mpegURL", "https://x/a", "HLS"),
    ("application/vnd.apple.mpegurl; charset=utf-8", "https://x/a", "HLS"),
    ("application/dash+xml", "https://x/a", "DASH"),
    ("video/mp4", "https://x/a", "MP4"),
    ("video/quicktime", "https://x/a", "MOV"),
    ("", "https://x/a/master.m3u8?token=1", "HLS"),
    ("", "https://x/a.mpd", "DASH"),
    ("", "https://x/a.ism/Manifest", "SMOOTH"),
    ("application/octet-stream", "https://x/a.M4V", "M4V"),
    ("", "https://x/a.webm", None),
])
def test_video_type_from_mime_type_or_url(mime, url, expected):
    assert video_type(mime, url) == expected


def test_an_adaptive_stream_reports_the_item_s_highest_rendition():
    stream = {"url": "https://cdn.example/master.m3u8", "type": "application/x-mpegURL"}
    tall = {**MP4, "url": "https://cdn.example/4k.mp4", "height": 2160}
    videos = one(make_item("a", videos=[stream, tall]))["content"]["videos"]
    assert [(v["videoType"], v["quality"]) for v in videos] == [("HLS", "UHD"), ("MP4", "UHD")]


def test_duration_is_whole_seconds_and_may_come_from_a_rendition():
    video = one(make_item("a", duration=None, videos=[{**MP4, "duration": 62}]))
    assert video["content"]["duration"] == 62
    assert video["content"]["videos"][0]["bitrate"] == 2500


def test_an_item_without_an_image_gets_the_channel_thumbnail():
    assert one(make_item("a", image_url=""))["thumbnail"] == "https://news.example/channel.jpg"


@pytest.mark.parametrize("fields, channel, reason", [
    (dict(duration=None), {}, "no duration"),
    (dict(videos=[{**MP4, "bitrate": None}]), {}, "no playable video: MP4 without bitrate"),
    (dict(videos=[{"url": "https://x/a.webm", "type": "video/webm"}]), {},
     "no playable video: not a format Roku plays"),
    (dict(videos=[{**HLS, "url": "ftp://x/a.m3u8"}]), {}, "no playable video: not an http(s) URL"),
    (dict(title="   "), {}, "no title"),
    (dict(image_url=""), dict(default_thumbnail=""), "no thumbnail"),
])
def test_an_item_that_cannot_be_made_valid_is_left_out_with_the_reason(fields, channel, reason):
    result = build([make_item("bad", **fields), make_item("good")], channel=make_channel(**channel))
    assert [v["id"] for v in result.doc["shortFormVideos"]] == ["good"]
    assert result.left_out == [("bad", reason)]
    assert validate_feed(result.doc) == []


def test_an_item_passed_twice_makes_a_feed_the_validator_refuses_not_a_crash():
    result = build([make_item("a", title="One"), make_item("a", title="Two")])
    assert [(p.path, p.message) for p in validate_feed(result.doc)] == [
        ("/shortFormVideos/1/id", "id 'a' is used twice (first at /shortFormVideos/0/id)")]


def test_text_only_articles_stay_out_and_articles_with_a_video_come_in():
    result = build([make_item("text", kind="article", videos=[]),
                    make_item("article", kind="article")])
    assert [v["id"] for v in result.doc["shortFormVideos"]] == ["article"]
    assert result.left_out == [] and result.text_only == 1


def test_a_live_source_becomes_a_live_feed_without_duration_or_release_date():
    result = build([make_item("live", kind="live", duration=None, categories=["Live"])])
    [live] = result.doc["liveFeeds"]
    assert "duration" not in live["content"] and "releaseDate" not in live
    assert "playlists" not in result.doc
    assert validate_feed(result.doc) == []


@pytest.mark.parametrize("kind", ["movies", "tvSpecials"])
def test_a_source_may_declare_movies_or_tv_specials(kind):
    result = build([make_item("a")], shapes={1: Shape(roku_type=kind)})
    [entry] = result.doc[kind]
    assert entry["genres"] == ["news"] and "shortFormVideos" not in result.doc
    assert result.doc["playlists"][0]["itemIds"] == ["a"]
    assert validate_feed(result.doc) == []


def weekly(n: int) -> list[Item]:
    start = datetime(2025, 12, 1, tzinfo=UTC)
    return [make_item(f"e{i}", published=start + timedelta(weeks=i)) for i in range(n)]


def test_a_series_gets_a_stable_id_and_episodes_numbered_by_publish_order():
    shapes = {1: Shape(roku_type="series", series="Weekly Review", description="The week.")}
    doc = build(list(reversed(weekly(3))), shapes=shapes).doc
    [series] = doc["series"]
    assert series["id"] == series_id("news", "Weekly Review") == build(weekly(1), shapes=shapes).doc["series"][0]["id"]
    assert series["title"] == "Weekly Review" and series["genres"] == ["news"]
    assert series["releaseDate"] == "2025-12-01" and series["shortDescription"] == "The week."
    assert [(e["id"], e["episodeNumber"]) for e in series["episodes"]] == [("e0", 1), ("e1", 2), ("e2", 3)]
    assert doc["playlists"][0]["itemIds"] == [series["id"]]
    assert validate_feed(doc) == []


def test_a_series_may_have_seasons_by_year():
    shapes = {1: Shape(roku_type="series", series="Weekly Review", seasons=True)}
    [series] = build(weekly(6), shapes=shapes).doc["series"]
    assert [(s["seasonNumber"], [e["episodeNumber"] for e in s["episodes"]]) for s in series["seasons"]] \
        == [(2025, [1, 2, 3, 4, 5]), (2026, [1])]


def test_playlists_start_with_latest_then_sections_by_their_newest_item():
    items = [make_item("a", categories=["Sport", "Football"], published=NOW),
             make_item("b", categories=["News"], published=NOW - timedelta(hours=1)),
             make_item("c", categories=["Sport"], published=NOW - timedelta(hours=2)),
             make_item("d", categories=[], published=NOW - timedelta(hours=3))]
    doc = build(items).doc
    assert [(p["name"], p["itemIds"]) for p in doc["playlists"]] == [
        ("Latest", ["a", "b", "c", "d"]), ("Sport", ["a", "c"]), ("News", ["b"])]
    assert [(c["name"], c["playlistName"], c["order"]) for c in doc["categories"]] == [
        ("Latest", "Latest", "manual"), ("Sport", "Sport", "manual"), ("News", "News", "manual")]


def test_playlists_are_bounded_and_names_fit_roku_s_limit():
    items = [make_item(f"i{n:03}", categories=["A section with a long name"],
                       published=NOW - timedelta(minutes=n)) for n in range(80)]
    playlists = build(items).doc["playlists"]
    assert [len(p["itemIds"]) for p in playlists] == [50, 50]
    assert playlists[0]["itemIds"][0] == "i000"
    assert playlists[1]["name"] == "A section with a lon"


def test_tags_are_kept_only_when_roku_can_take_them():
    video = one(make_item("a", tags=["politics", "", "a tag far too long for roku", "politics"]))
    assert video["tags"] == ["politics"]


def many(n: int, text: str = "") -> list[Item]:
    return [make_item(f"i{k:05}", summary=text or f"Summary {k}", published=NOW - timedelta(minutes=k))
            for k in range(n)]


def test_the_budget_bounds_the_feed_keeping_the_newest_items():
    result = build(many(300, "word " * 60), budget=40_000)
    assert 40_000 - 1_000 < len(result.to_bytes()) <= 40_000
    carried = [v["id"] for v in result.doc["shortFormVideos"]]
    assert carried == [f"i{k:05}" for k in range(len(carried))] and 20 < len(carried) < 300
    assert result.left_out == [(f"i{k:05}", "over the 39 KB budget") for k in range(len(carried), 300)]
    assert validate_feed(result.doc) == []


def test_the_budget_measures_each_item_once(monkeypatch):
    calls = []
    real = orjson.dumps
    monkeypatch.setattr(feeds.formats.roku.orjson, "dumps", lambda value, *a: calls.append(1) or real(value, *a))
    build(many(2000), budget=100_000)
    # each item is serialised by orjson.dumps (so the spy sees the measuring), once
    assert 2000 <= len(calls) < 2000 + 10


def test_the_default_budget_is_450_kb():
    result = build_roku_feed(make_channel(), many(3000, "word " * 90), NOW)
    assert len(result.to_bytes()) <= 450 * 1024 < len(orjson.dumps(build(many(3000, "word " * 90)).doc))
    assert result.left_out[-1][1] == "over the 450 KB budget"


# Property: whatever the items, the feed is valid and within its budget.

ZONES = sorted(zoneinfo.available_timezones())
MIMES = ["", "video/mp4", "application/x-mpegURL", "application/dash+xml", "video/quicktime",
         "video/webm", "text/html", "VIDEO/MP4; codecs=avc1"]
URLS = st.sampled_from(["https://cdn.example/a.mp4", "https://cdn.example/a.m3u8",
                        "http://cdn.example/b.mpd", "https://cdn.example/c", "ftp://x/a.mp4",
                        "https://cdn.example/d.mov?x=1", "https://cdn.example/e.m4v", ""])
videos = st.fixed_dictionaries(
    {"url": URLS, "type": st.sampled_from(MIMES)},
    optional={"height": st.none() | st.integers(1, 5000), "width": st.none() | st.integers(1, 8000),
              "bitrate": st.none() | st.integers(0, 20_000), "duration": st.none() | st.integers(0, 10_000)})
texts = st.text(max_size=40) | st.text(min_size=150, max_size=2000)
moments = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


@st.composite
def items(draw, ident: int) -> Item:
    return make_item(
        f"i{ident}", kind=draw(st.sampled_from(["article", "video", "live"])),
        source_id=draw(st.sampled_from([1, 2, 3, 4])), title=draw(texts), summary=draw(texts),
        body=draw(st.lists(texts, max_size=4)), image_url=draw(st.sampled_from(["", "https://i.example/a.jpg", "not a url"])),
        categories=draw(st.lists(st.text(max_size=30), max_size=3)),
        tags=draw(st.lists(st.text(max_size=25), max_size=4)), published=draw(moments),
        videos=draw(st.lists(videos, max_size=3)), duration=draw(st.none() | st.integers(0, 20_000)))


@st.composite
def catalogues(draw) -> tuple[Channel, list[Item]]:
    channel = make_channel(timezone=draw(st.sampled_from(ZONES)),
                           default_thumbnail=draw(st.sampled_from(["", "https://news.example/c.jpg"])),
                           language=draw(st.sampled_from(["en", "en-GB", "fr", "EN_us", "xx-?"])))
    count = draw(st.integers(0, 25))
    return channel, [draw(items(n)) for n in range(count)]


SHAPES = {1: Shape(), 2: Shape(roku_type="movies"), 3: Shape(roku_type="tvSpecials"),
          4: Shape(roku_type="series", series="Weekly", seasons=True)}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogues(), st.integers(2_000, 60_000))
def test_any_build_is_a_valid_feed_within_its_budget(catalogue, budget):
    channel, generated = catalogue
    result = build_roku_feed(channel, generated, NOW, SHAPES, budget)
    assert len(result.to_bytes()) <= budget
    assert result.to_bytes() == orjson.dumps(result.doc)
    if result.carried:
        assert validate_feed(result.doc) == []
    left = {ident for ident, _ in result.left_out}
    assert left.isdisjoint(p.id for p in result.carried)
    playable = {item.id for item in generated if item.videos or item.kind == "live"}
    assert {p.id for p in result.carried} | left == playable
