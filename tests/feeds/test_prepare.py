"""Before a publish, the workers check every playable item's media and make its tile:
against a local publisher whose feed has images of every awkward kind, live and dead
media, playlists with subtitle groups, and Roku's own MRSS example."""
from __future__ import annotations

import io

import orjson
import pytest
from lxml import etree
from PIL import Image

from feeds.formats.validate import validate_feed, validate_search_feed
from feeds.prepare import prepare_channel
from feeds.publish import publish_channel
from feeds.refresh import refresh_source
from feeds.settings import public_url
from feeds.store.media import get_file
from feeds.store.tables import Channel, ItemMedia, MediaCheck, Source
from tests.feeds.site import FALLBACKS, HLS, ITEMS, MP4_SIZE, ROKU_EXAMPLE, Slow, content, feed_xml, item
from tests.workers.conftest import wait_for

MRSS = "http://search.yahoo.com/mrss/"


@pytest.fixture
def tv(backend, site):
    site.expect_request("/tv.xml").respond_with_data(feed_xml(ITEMS, site.url_for("").rstrip("/")),
                                                     content_type="application/rss+xml")
    with backend.Session() as session:
        session.add(Channel(id="tv", title="TV News", default_thumbnail=site.url_for("/images/landscape.jpg")))
        session.add(Source(id=1, channel_id="tv", kind="mrss", url=site.url_for("/tv.xml")))
        session.commit()
    assert refresh_source(backend.Session, 1, allow_private=True).status == "ok"
    return backend


def prepare(backend, channel: str = "tv", **options):
    return prepare_channel(backend.Session, channel, allow_private=True, **options)


def publish(backend, channel: str = "tv"):
    with backend.Session() as session:
        return publish_channel(session, backend.snapshots, channel)


def roku(backend, channel: str = "tv") -> dict:
    return orjson.loads(backend.snapshots.get(channel, "roku.json").body)


def by_title(doc: dict) -> dict[str, dict]:
    return {entry["title"].removeprefix("Story "): entry for entry in doc["shortFormVideos"]}


def tile_of(backend, url: str) -> Image.Image:
    assert url.startswith(public_url() + "media/") and url.endswith(".jpg")
    with backend.Session() as session:
        stored = get_file(session, url.rsplit("/", 1)[1].removesuffix(".jpg"))
        image = Image.open(io.BytesIO(stored.body))
        image.load()
    return image


def assert_tv_tile(image: Image.Image) -> None:
    assert image.format == "JPEG" and image.width >= 800 and image.height >= 450
    assert image.width * 9 == image.height * 16


def test_every_carried_item_has_our_16_by_9_tile_and_the_dead_are_left_out(tv):
    report = prepare(tv)
    assert report.items == len(ITEMS) and report.left_over == 0
    published = publish(tv)
    doc = roku(tv)
    assert validate_feed(doc) == []
    carried = by_title(doc)
    assert set(carried) == {i.split("<guid isPermaLink=\"false\">")[1].split("<")[0] for i in ITEMS} - {
        "dead", "notaplaylist"}
    for entry in [*doc["shortFormVideos"]]:
        assert_tv_tile(tile_of(tv, entry["thumbnail"]))
    left = {entry["id"]: entry["reason"] for entry in published.left_out}
    assert len(left) == 2
    assert any("media failed its check" in r and "gone.m3u8" in r and "404" in r for r in left.values())
    assert any("not an HLS playlist: got text/html" in r for r in left.values())


def test_the_report_says_which_tiles_fell_back_and_why(tv):
    prepare(tv)
    published = publish(tv)
    ids = {entry["title"].removeprefix("Story "): entry["id"] for entry in roku(tv)["shortFormVideos"]}
    fallbacks = {entry["id"]: entry["reason"] for entry in published.artwork_fallbacks}
    for name, reason in FALLBACKS.items():
        assert reason in fallbacks[ids[name]], name
    assert set(fallbacks) == {ids[name] for name in FALLBACKS}
    problems = [p for p in published.media_problems if p["id"] == ids["mixed"]]
    assert [(p["url"].rsplit("/", 1)[1], "404" in p["problem"]) for p in problems] == [("gone.mp4", True)]
    assert published.media_unchecked == 0


def test_checked_renditions_carry_what_the_checks_learnt(tv):
    prepare(tv)
    publish(tv)
    carried = by_title(roku(tv))
    assert carried["landscape"]["content"]["videos"] == [
        {"url": carried["landscape"]["content"]["videos"][0]["url"], "quality": "FHD", "videoType": "HLS"}]
    mixed = carried["mixed"]["content"]["videos"]
    assert [v["videoType"] for v in mixed] == ["HLS"], "the dead MP4 is dropped, the stream kept"
    mrss = etree.fromstring(tv.snapshots.get("tv", "mrss.xml").body)
    urls = [c.get("url") for c in mrss.iter(f"{{{MRSS}}}content")]
    assert not any(u.endswith("gone.mp4") for u in urls), "the MRSS keeps and drops the same renditions"
    thumbs = {t.get("url") for t in mrss.iter(f"{{{MRSS}}}thumbnail")}
    assert all(u.startswith(public_url() + "media/") for u in thumbs)
    search = orjson.loads(tv.snapshots.get("tv", "search.json").body)
    assert validate_search_feed(search) == []
    assert all(a["images"][0]["url"].startswith(public_url() + "media/") for a in search["assets"])


def test_each_source_image_is_made_once_and_each_url_checked_once(tv, site):
    prepare(tv)
    master = [q for q, _ in site.log if q.path == "/v/master.m3u8"]
    landscape = [q for q, _ in site.log if q.path == "/images/landscape.jpg"]
    assert len(master) == 1 and len(landscape) == 1
    site.clear_log()
    again = prepare(tv)
    assert again.items == 0 and not site.log, "nothing to do until the recheck interval"


def test_roku_example_second_item_is_published_with_a_bitrate_from_its_size(backend, site):
    base = site.url_for("").rstrip("/")
    site.expect_request("/roku-example.xml").respond_with_data(
        ROKU_EXAMPLE.replace("{base}", base), content_type="application/rss+xml")
    with backend.Session() as session:
        session.add(Channel(id="ex", title="Example"))
        session.add(Source(id=1, channel_id="ex", kind="mrss", url=site.url_for("/roku-example.xml")))
        session.commit()
    refresh_source(backend.Session, 1, allow_private=True)
    prepare(backend, "ex")
    report = publish(backend, "ex")
    doc = roku(backend, "ex")
    assert validate_feed(doc) == [] and report.left_out == []
    second = next(v for v in doc["shortFormVideos"] if v["title"] == "The Second Best Show Ever")
    [video] = second["content"]["videos"]
    assert video["videoType"] == "MP4" and video["bitrate"] == round(MP4_SIZE * 8 / 1000 / 75)
    assert second["content"]["duration"] == 75
    first = next(v for v in doc["shortFormVideos"] if v["title"] == "The Best Show Ever")
    assert first["content"]["captions"] == [{"url": f"{base}/cdn/subtitles/subtitle.srt", "language": "eng",
                                             "captionType": "SUBTITLE"}]
    assert first["content"]["language"] == "en" and "captions" not in second["content"]
    mrss = etree.fromstring(backend.snapshots.get("ex", "mrss.xml").body)
    [subtitle] = mrss.iter(f"{{{MRSS}}}subTitle")
    assert (subtitle.get("href"), subtitle.get("lang")) == (f"{base}/cdn/subtitles/subtitle.srt", "en-us")


def test_an_unknown_channel_is_a_lookup_error(backend):
    with pytest.raises(LookupError):
        prepare(backend, "nope")


def test_a_hanging_host_never_holds_up_the_publish_and_concurrency_is_bounded(backend, site):
    slow = Slow(limit=20)
    base = site.url_for("").rstrip("/")
    items = [item(f"s{n:02d}", "landscape.jpg", content(f"/slow/{n}.m3u8", HLS)) for n in range(8)]
    site.expect_request("/slow.xml").respond_with_data(feed_xml(items, base), content_type="application/rss+xml")
    for n in range(8):
        site.expect_request(f"/slow/{n}.m3u8").respond_with_handler(slow)
    with backend.Session() as session:
        session.add(Channel(id="slow", title="Slow", media={"check_concurrency": 3}))
        session.add(Source(id=1, channel_id="slow", kind="mrss", url=site.url_for("/slow.xml")))
        session.commit()
    refresh_source(backend.Session, 1, allow_private=True)
    try:
        report = prepare(backend, "slow", deadline=1.0)
        assert report.left_over == 8 and slow.most <= 3, "returned at its deadline, checks unfinished"
        assert publish(backend, "slow").media_unchecked == 8, "published anyway, saying so"
    finally:
        slow.release.set()
    wait_for(lambda: not slow.running, timeout=30, what="the released checks to end")
    assert prepare(backend, "slow", deadline=20).left_over == 0
    with backend.Session() as session:
        assert session.query(ItemMedia).filter_by(channel_id="slow").count() == 8
        assert session.query(MediaCheck).count() >= 8


def test_a_channel_can_ask_for_2_by_3_posters_for_its_movies(backend, site):
    base = site.url_for("").rstrip("/")
    films = [item("film", "landscape.jpg", content("/v/master.m3u8", HLS)),
             item("filmnoimage", "", content("/v/master.m3u8", HLS))]
    site.expect_request("/films.xml").respond_with_data(feed_xml(films, base), content_type="application/rss+xml")
    with backend.Session() as session:
        session.add(Channel(id="films", title="Films", media={"posters": True}))
        session.add(Source(id=1, channel_id="films", kind="mrss", url=site.url_for("/films.xml"),
                           options={"roku_type": "movies"}))
        session.commit()
    refresh_source(backend.Session, 1, allow_private=True)
    prepare(backend, "films")
    publish(backend, "films")
    movies = roku(backend, "films")["movies"]
    assert len(movies) == 2
    for movie in movies:
        poster = tile_of(backend, movie["thumbnail"])
        assert poster.format == "JPEG" and (poster.width, poster.height) == (800, 1200)
    with backend.Session() as session:
        media = session.query(ItemMedia).filter_by(channel_id="films").all()
        assert all(m.tile and m.poster and m.tile != m.poster for m in media)
