"""A refresh of each source kind against a local HTTP server standing in for the
publisher's site: what is stored, what the run record says, and what a failure
leaves alone."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from feeds.publish import publish_channel
from feeds.refresh import refresh_source
from feeds.store.tables import Channel, Item, Run, Source
from tests.conftest import shared

RSS = """<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
<title>Site</title><link>{base}</link>
<item><title>Summary only</title><link>{base}/article</link><guid>a-1</guid>
  <pubDate>Sun, 30 Dec 2018 14:52:11 +0330</pubDate><description>Short summary.</description></item>
<item><title>A clip</title><guid>v-1</guid><pubDate>Sun, 30 Dec 2018 12:00:00 +0000</pubDate>
  <media:content url="https://cdn.example/v1.m3u8" type="application/x-mpegURL" duration="75" height="720"/>
  <media:thumbnail url="https://cdn.example/v1.jpg"/></item>
</channel></rss>"""


@pytest.fixture
def store(backend):
    with backend.Session() as session:
        session.add(Channel(id="news", title="News", default_thumbnail="https://cdn.example/default.jpg"))
        session.commit()
    return backend


def add_source(store, **fields) -> int:
    with store.Session() as session:
        source = Source(channel_id="news", **fields)
        session.add(source)
        session.commit()
        return source.id


def refresh(store, source_id: int):
    return refresh_source(store.Session, source_id, allow_private=True)


def items(store) -> dict[str, Item]:
    with store.Session() as session:
        return {item.key: item for item in session.scalars(select(Item))}


def test_rss_with_follow_links_takes_the_full_article_from_its_page(store, httpserver):
    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/feed").respond_with_data(RSS.format(base=base), content_type="application/rss+xml")
    httpserver.expect_request("/article").respond_with_data(shared("seeds", "press-article.html").read_bytes(), content_type="text/html")
    source_id = add_source(store, kind="rss", url=httpserver.url_for("/feed"), options={"follow_links": True})
    report = refresh(store, source_id)
    assert (report.status, report.new) == ("ok", 2)
    article = items(store)["a-1"]
    assert article.title == "Russia ready for 'wide-ranging' dialogue with US: Putin"
    assert article.categories == ["News", "Foreign Policy", "Russia"] and len(article.body) == 13
    assert article.published_local.isoformat() == "2018-12-30T14:52:11+03:30"
    assert items(store)["v-1"].kind == "video" and items(store)["v-1"].duration == 75


def test_article_source_stores_one_item_by_canonical_url(store, httpserver):
    httpserver.expect_request("/page").respond_with_data(shared("seeds", "press-article.html").read_bytes(), content_type="text/html")
    source_id = add_source(store, kind="article", url=httpserver.url_for("/page"))
    assert refresh(store, source_id).new == 1
    [item] = items(store).values()
    assert item.url.startswith("https://www.presstv.com/Detail/2018/12/30/584480")
    assert item.image_caption.startswith("In this file photo taken on July 16, 2018")


def test_live_source_checks_the_playlist_and_records_a_dead_stream(store, httpserver):
    httpserver.expect_request("/live.m3u8").respond_with_data("#EXTM3U\n#EXT-X-VERSION:3\n",
                                                             content_type="application/vnd.apple.mpegurl")
    source_id = add_source(store, kind="live", url=httpserver.url_for("/live.m3u8"), title="Live", category="Live")
    assert refresh(store, source_id).status == "ok"
    httpserver.clear()
    httpserver.expect_request("/live.m3u8").respond_with_data("<html>maintenance</html>", content_type="text/html")
    report = refresh(store, source_id)
    assert report.status == "error" and report.error == "not an HLS playlist: got text/html"
    assert [item.kind for item in items(store).values()] == ["live"]


def test_conditional_get_records_not_modified(store, httpserver):
    body = RSS.format(base="https://site.example")
    httpserver.expect_request("/feed", headers={"If-None-Match": '"v1"'}).respond_with_data("", status=304)
    httpserver.expect_request("/feed").respond_with_data(body, content_type="application/rss+xml",
                                                         headers={"ETag": '"v1"'})
    source_id = add_source(store, kind="rss", url=httpserver.url_for("/feed"))
    assert refresh(store, source_id).status == "ok"
    second = refresh(store, source_id)
    assert (second.status, second.new, second.updated) == ("not_modified", 0, 0)


def test_a_changed_item_is_updated_in_place(store, httpserver):
    body = RSS.format(base="https://site.example")
    httpserver.expect_ordered_request("/feed").respond_with_data(body, content_type="application/rss+xml")
    httpserver.expect_ordered_request("/feed").respond_with_data(
        body.replace("Summary only", "Summary, corrected"), content_type="application/rss+xml")
    source_id = add_source(store, kind="rss", url=httpserver.url_for("/feed"))
    first_id = (refresh(store, source_id), items(store)["a-1"].id)[1]
    report = refresh(store, source_id)
    assert (report.new, report.updated, report.unchanged) == (0, 1, 1)
    assert items(store)["a-1"].id == first_id and items(store)["a-1"].title == "Summary, corrected"


@pytest.mark.parametrize("respond, message", [
    (lambda r: r.respond_with_data("oops", status=500), "upstream answered 500"),
    (lambda r: r.respond_with_data("<html><body>Hi</body></html>", content_type="text/html"), "not a feed"),
    (lambda r: r.respond_with_data(b"\xff\xfe\x00garbage\x00" * 50, content_type="application/rss+xml"), "not a feed"),
    (lambda r: r.respond_with_data(
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        '<rss version="2.0"><channel><title>&lol2;</title></channel></rss>',
        content_type="application/rss+xml"), "entities"),
])
def test_a_failed_refresh_changes_no_item_and_no_published_feed(store, httpserver, respond, message):
    body = RSS.format(base="https://site.example")
    httpserver.expect_ordered_request("/feed").respond_with_data(body, content_type="application/rss+xml")
    respond(httpserver.expect_ordered_request("/feed"))
    source_id = add_source(store, kind="mrss", url=httpserver.url_for("/feed"))
    first = refresh(store, source_id)
    assert (first.status, first.new) == ("ok", 2)
    with store.Session() as session:
        publish_channel(session, store.snapshots, "news")
    published = store.snapshots.get("news", "roku.json")
    assert published is not None, "the video of the first refresh is published"
    before = {key: item.content_hash for key, item in items(store).items()}
    report = refresh(store, source_id)
    assert report.status == "error" and message in report.error
    assert {key: item.content_hash for key, item in items(store).items()} == before
    assert store.snapshots.get("news", "roku.json") is published
    with store.Session() as session:
        run = session.get(Run, report.run_id)
        assert run.finished is not None and run.error == report.error


def test_refresh_of_a_private_address_is_refused_unless_allowed(store, httpserver):
    httpserver.expect_request("/feed").respond_with_data(RSS.format(base="x"), content_type="application/rss+xml")
    source_id = add_source(store, kind="rss", url=httpserver.url_for("/feed"))
    report = refresh_source(store.Session, source_id, allow_private=False)
    assert report.status == "error" and report.error.startswith("refused:")
    assert len(httpserver.log) == 0
    with store.Session() as session:
        assert session.scalar(select(func.count()).select_from(Item)) == 0


def big_feed(items: int, guid: str = "s") -> str:
    entries = "".join(f"<item><title>Story {n}</title><guid>{guid}-{n}</guid>"
                      f"<pubDate>Sun, 30 Dec 2018 12:00:00 +0000</pubDate></item>" for n in range(items))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Site</title>{entries}</channel></rss>'


def test_a_large_first_refresh_reports_the_items_stored_after_each_batch(store, httpserver):
    httpserver.expect_request("/big").respond_with_data(big_feed(1200), content_type="application/rss+xml")
    source_id = add_source(store, kind="rss", url=httpserver.url_for("/big"))
    told: list[int] = []
    report = refresh_source(store.Session, source_id, allow_private=True, progress=told.append)
    assert (report.status, report.new, told) == ("ok", 1200, [500, 1000, 1200])
    told.clear()
    report = refresh_source(store.Session, source_id, allow_private=True, progress=told.append)
    assert (report.unchanged, told) == (1200, [500, 1000, 1200])
