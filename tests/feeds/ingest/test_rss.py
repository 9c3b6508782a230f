"""Feed parsing: RSS 0.91/1.0/2.0 and Atom, Media RSS, dates, hostile XML, and the
sanitising corpus from feedparser's own test suite."""
from __future__ import annotations

import dataclasses
import html
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from feeds.errors import ParseError
from feeds.ingest.media_rss import DASH, HLS, SMOOTH, media_type, parse_duration
from feeds.ingest.rss import ParsedFeed, paragraphs, parse_feed
from feeds.ingest.xmlsafe import REFUSED, guard_xml, parse_xml, repair_char_refs
from feeds.model import Entry, Video
from tests.conftest import shared

FEED_URL = "https://news.example.com/feeds/world.xml"
NAMESPACES = (
    'xmlns:media="http://search.yahoo.com/mrss/" '
    'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/"'
)


def rss(items: str, channel: str = "<title>World</title><link>/world</link>") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" {NAMESPACES}>'
            f"<channel>{channel}{items}</channel></rss>").encode()


def one(body: bytes, **kwargs: str) -> Entry:
    feed = parse_feed(body, FEED_URL, **kwargs)
    assert len(feed.entries) == 1
    return feed.entries[0]


RSS20 = rss("""
<item>
  <title>Floods &amp;amp; storms: &lt;b&gt;day two&lt;/b&gt;</title>
  <link>/world/floods-day-two</link>
  <guid isPermaLink="false">urn:news:1234</guid>
  <pubDate>Sun, 30 Dec 2018 14:52:11 +0330</pubDate>
  <author>desk@news.example.com (Jane Doe)</author>
  <category domain="https://news.example.com/sections">World</category>
  <category>Europe</category>
  <description>&lt;p&gt;Rivers rose &lt;em&gt;again&lt;/em&gt;.&lt;/p&gt;&lt;script&gt;steal()&lt;/script&gt;</description>
  <content:encoded><![CDATA[<p>First paragraph.</p><div>Second<br>third</div>
    <p><img src="/img/flood.jpg" onerror="steal()"> <a href="javascript:steal()">x</a></p>]]></content:encoded>
</item>""", channel="<title>World &amp;amp; more</title><link>/world</link><language>en-GB</language>")


def test_rss20_entry_fields() -> None:
    feed = parse_feed(RSS20, FEED_URL, "application/rss+xml; charset=utf-8")
    assert isinstance(feed, ParsedFeed)
    assert (feed.title, feed.link) == ("World & more", "https://news.example.com/world")
    entry = feed.entries[0]
    assert entry.key == "urn:news:1234"
    assert entry.kind == "article"
    assert entry.title == "Floods & storms: day two"
    assert entry.summary == "Rivers rose again."
    assert entry.url == "https://news.example.com/world/floods-day-two"
    assert entry.author == "Jane Doe"
    assert entry.categories == ["World", "Europe"]
    assert entry.language == "en-GB"
    assert entry.body == ["First paragraph.", "Second", "third", "x"]
    assert entry.body_html.startswith("<p>First paragraph.</p>")
    assert "onerror" not in entry.body_html and "javascript" not in entry.body_html
    assert entry.image_url == "https://news.example.com/img/flood.jpg"


def test_published_keeps_the_feeds_offset() -> None:
    entry = one(RSS20)
    assert entry.published.utcoffset() == timedelta(hours=3, minutes=30)
    assert entry.published == datetime(2018, 12, 30, 11, 22, 11, tzinfo=timezone.utc)
    assert entry.updated is None


@pytest.mark.parametrize(("raw", "offset", "utc"), [
    ("Sun, 30 Dec 2018 14:52:11 -0500", timedelta(hours=-5), datetime(2018, 12, 30, 19, 52, 11)),
    ("Sun, 30 Dec 2018 14:52:11 GMT", timedelta(0), datetime(2018, 12, 30, 14, 52, 11)),
    ("Sun, 30 Dec 2018 14:52:11 EST", timedelta(hours=-5), datetime(2018, 12, 30, 19, 52, 11)),
    ("Sun, 30 Dec 2018 14:52:11 -0000", timedelta(0), datetime(2018, 12, 30, 14, 52, 11)),
    ("2018-12-30T14:52:11+05:45", timedelta(hours=5, minutes=45), datetime(2018, 12, 30, 9, 7, 11)),
    ("2018-12-30T14:52:11Z", timedelta(0), datetime(2018, 12, 30, 14, 52, 11)),
    ("2018-12-30T14:52:11", timedelta(0), datetime(2018, 12, 30, 14, 52, 11)),
    ("2018-12-30", timedelta(0), datetime(2018, 12, 30)),
])
def test_dates_are_aware(raw: str, offset: timedelta, utc: datetime) -> None:
    entry = one(rss(f"<item><title>t</title><pubDate>{raw}</pubDate></item>"))
    assert entry.published.utcoffset() == offset
    assert entry.published == utc.replace(tzinfo=timezone.utc)


def test_unreadable_date_is_none() -> None:
    assert one(rss("<item><title>t</title><pubDate>yesterday-ish</pubDate></item>")).published is None


RSS10 = b"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://news.example.com/rdf">
    <title>RDF news</title><link>https://news.example.com/</link><dc:language>fr</dc:language>
    <items><rdf:Seq><rdf:li rdf:resource="https://news.example.com/a/1"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://news.example.com/a/1">
    <title>Premier</title><link>https://news.example.com/a/1</link>
    <description>Le r\xc3\xa9sum\xc3\xa9.</description>
    <dc:date>2018-12-30T14:52:11+01:00</dc:date><dc:subject>Politique</dc:subject>
    <dc:creator>Marie</dc:creator>
  </item>
</rdf:RDF>"""


def test_rss10_rdf() -> None:
    feed = parse_feed(RSS10, FEED_URL)
    assert feed.title == "RDF news"
    entry = feed.entries[0]
    assert entry.key == "https://news.example.com/a/1"
    assert (entry.title, entry.summary, entry.author) == ("Premier", "Le résumé.", "Marie")
    assert entry.categories == ["Politique"]
    assert entry.language == "fr"
    assert entry.published.utcoffset() == timedelta(hours=1)


RSS091 = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
  "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel>
  <title>Old school</title><link>http://old.example.com/</link><language>en-us</language>
  <item><title>Caf\xe9 opens</title><link>http://old.example.com/cafe</link>
    <description>A new caf\xe9.</description></item>
</channel></rss>"""


def test_rss091_with_netscape_doctype_passes() -> None:
    assert guard_xml(RSS091) == RSS091
    feed = parse_feed(RSS091, FEED_URL)
    entry = feed.entries[0]
    assert (feed.title, entry.title, entry.summary) == ("Old school", "Café opens", "A new café.")
    assert entry.key == entry.url == "http://old.example.com/cafe"


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de" xml:base="https://atom.example.com/">
  <title type="html">Atom &lt;i&gt;news&lt;/i&gt;</title>
  <link rel="alternate" href="/"/><id>urn:feed</id><updated>2018-12-30T14:52:11-03:00</updated>
  <entry>
    <id>tag:atom.example.com,2018:1</id><title>Eins</title>
    <link rel="alternate" type="text/html" href="articles/1"/>
    <updated>2018-12-31T10:00:00+01:00</updated>
    <published>2018-12-30T14:52:11-03:00</published>
    <author><name>Klaus</name><email>k@atom.example.com</email></author>
    <category term="politik" label="Politik"/><category term="wirtschaft"/>
    <summary>Kurz.</summary>
    <content type="html">&lt;p&gt;Lang.&lt;/p&gt;&lt;iframe src="https://evil.example/"&gt;&lt;/iframe&gt;</content>
  </entry>
  <entry>
    <id>tag:atom.example.com,2018:2</id><title type="text">Zwei</title>
    <updated>2019-01-02T08:00:00Z</updated>
    <content type="text">Line one &lt;not a tag&gt;

Line two</content>
  </entry>
</feed>"""


def test_atom() -> None:
    feed = parse_feed(ATOM, FEED_URL, "application/atom+xml")
    assert (feed.title, feed.link) == ("Atom news", "https://atom.example.com/")
    first, second = feed.entries
    assert first.key == "tag:atom.example.com,2018:1"
    assert first.url == "https://atom.example.com/articles/1"
    assert (first.title, first.summary, first.author) == ("Eins", "Kurz.", "Klaus")
    assert first.categories == ["Politik", "wirtschaft"]
    assert first.body_html == "<p>Lang.</p>" and first.body == ["Lang."]
    assert first.published.utcoffset() == timedelta(hours=-3)
    assert first.updated.utcoffset() == timedelta(hours=1)
    assert first.language == "de"
    assert second.published == second.updated == datetime(2019, 1, 2, 8, tzinfo=timezone.utc)
    assert second.body_html == "<p>Line one &lt;not a tag&gt;</p><p>Line two</p>"
    assert second.body == ["Line one <not a tag>", "Line two"]


def test_key_falls_back_to_link_then_a_stable_hash() -> None:
    assert one(rss("<item><title>a</title><link>/a</link></item>")).key == "https://news.example.com/a"
    dated = "<item><title>a</title><pubDate>Sun, 30 Dec 2018 14:52:11 GMT</pubDate></item>"
    key = one(rss(dated)).key
    assert key.startswith("sha256:") and key == one(rss(dated)).key
    assert key != one(rss(dated.replace("<title>a", "<title>b"))).key


def test_a_relative_permalink_guid_is_a_key_not_an_address() -> None:
    entry = one(rss("<item><title>t</title><guid>12345</guid></item>"))
    assert (entry.key, entry.url) == ("12345", "")
    entry = one(rss("<item><title>t</title><guid>https://news.example.com/a/9</guid></item>"))
    assert entry.key == entry.url == "https://news.example.com/a/9"


def test_unsafe_urls_are_dropped() -> None:
    entry = one(rss("""<item><title>t</title><link>javascript:alert(1)</link>
        <media:content url="javascript:alert(1)" type="video/mp4"/>
        <media:thumbnail url="data:image/png;base64,AAAA"/></item>"""))
    assert (entry.url, entry.image_url, entry.videos, entry.kind) == ("", "", [], "article")


MRSS_GROUP = rss("""
<item>
  <title>Plain title</title><link>https://news.example.com/v/1</link><guid>v1</guid>
  <description>Plain description</description>
  <media:group>
    <media:content url="https://cdn.example.com/v1/master.m3u8" medium="video" duration="95"/>
    <media:content url="https://cdn.example.com/v1/720.mp4" type="video/mp4" width="1280"
                   height="720" bitrate="2500" duration="95" isDefault="true"/>
    <media:content url="https://cdn.example.com/v1/manifest.mpd" medium="video" height="1080"
                   bitrate="5000.4" duration="95.2"/>
    <media:title>Media title wins</media:title>
    <media:description type="html">&lt;b&gt;Media&lt;/b&gt; description wins</media:description>
    <media:thumbnail url="https://img.example.com/v1/small.jpg" width="160" height="90"/>
    <media:thumbnail url="https://img.example.com/v1/large.jpg" width="1280" height="720"/>
  </media:group>
  <media:thumbnail url="https://img.example.com/v1/medium.jpg" width="640" height="360"/>
  <media:category scheme="urn:news:sections">news/world</media:category>
  <media:keywords>floods, weather ,europe</media:keywords>
</item>
<item><title>No video</title><guid>a2</guid><description>Text only.</description></item>""")


def test_mrss_group_keeps_every_rendition() -> None:
    video, article = parse_feed(MRSS_GROUP, FEED_URL).entries
    assert video.kind == "video" and video.duration == 95
    assert video.videos == [
        Video("https://cdn.example.com/v1/720.mp4", "video/mp4", 1280, 720, 2500, 95),
        Video("https://cdn.example.com/v1/master.m3u8", HLS, None, None, None, 95),
        Video("https://cdn.example.com/v1/manifest.mpd", DASH, None, 1080, 5000, 95),
    ]
    assert video.title == "Media title wins"
    assert video.summary == "Media description wins"
    assert video.image_url == "https://img.example.com/v1/large.jpg"
    assert video.categories == ["news/world"]
    assert video.tags == ["floods", "weather", "europe"]
    assert (article.kind, article.videos, article.duration) == ("article", [], None)


def test_several_groups_and_loose_contents_all_count() -> None:
    entry = one(rss("""<item><title>t</title><guid>g</guid>
        <media:content url="https://cdn.example.com/a.mov"/>
        <media:group><media:content url="https://cdn.example.com/b.m4v" height="480"/></media:group>
        <media:group>
          <media:content url="https://cdn.example.com/c/stream.ism/Manifest"/>
          <media:content url="https://cdn.example.com/c/poster.jpg" medium="image" width="10" height="10"/>
          <media:content url="https://cdn.example.com/c/audio.mp3" type="audio/mpeg"/>
        </media:group></item>"""))
    assert [(v.url.rsplit("/", 1)[-1], v.type) for v in entry.videos] == [
        ("a.mov", "video/quicktime"), ("b.m4v", "video/x-m4v"), ("Manifest", SMOOTH)]
    assert entry.image_url == "https://cdn.example.com/c/poster.jpg"


def test_enclosures() -> None:
    entry = one(rss("""<item><title>t</title><guid>g</guid>
        <enclosure url="https://cdn.example.com/e.mp4" type="video/mp4" length="1000"/>
        <enclosure url="https://cdn.example.com/e.jpg" type="image/jpeg" length="10"/>
        <itunes:duration>62:03</itunes:duration></item>"""))
    assert entry.videos == [Video("https://cdn.example.com/e.mp4", "video/mp4", duration=3723, size=1000)]
    assert (entry.kind, entry.duration) == ("video", 3723)
    assert entry.image_url == "https://cdn.example.com/e.jpg"
    audio = one(rss('<item><title>t</title>'
                    '<enclosure url="https://c.example/a.mp3" type="audio/mpeg"/></item>'))
    assert (audio.kind, audio.videos) == ("article", [])


@pytest.mark.parametrize("text", ["1:02:03", "62:03", "3723", "3723.2", "01:02:03.000"])
def test_itunes_duration_formats(text: str) -> None:
    assert parse_duration(text) == 3723
    entry = one(rss(f"""<item><title>t</title><itunes:duration>{text}</itunes:duration>
        <media:content url="https://cdn.example.com/x.mp4"/></item>"""))
    assert entry.duration == 3723 and entry.videos[0].duration == 3723


@pytest.mark.parametrize("text", ["", "abc", "1:2:3:4", "-5", "nan", "inf"])
def test_bad_durations(text: str) -> None:
    assert parse_duration(text) is None


@pytest.mark.parametrize(("declared", "url", "expected"), [
    ("", "https://c.example/a/master.m3u8?token=1", HLS),
    ("application/vnd.apple.mpegurl", "https://c.example/a", HLS),
    ("", "https://c.example/a.mpd", DASH),
    ("", "https://c.example/a.MP4", "video/mp4"),
    ("", "https://c.example/a.mov", "video/quicktime"),
    ("", "https://c.example/a.m4v", "video/x-m4v"),
    ("", "https://c.example/a.ism/manifest", SMOOTH),
    ("application/octet-stream", "https://c.example/a.mp4", "video/mp4"),
    ("Video/MP4; codecs=avc1", "https://c.example/a", "video/mp4"),
    ("", "https://c.example/watch?v=1", ""),
])
def test_media_type(declared: str, url: str, expected: str) -> None:
    assert media_type(declared, url) == expected


def test_media_matches_items_by_guid_when_positions_disagree() -> None:
    feed = parse_feed(rss("""
        <item><title>one</title><guid>g1</guid></item>
        <item><title>two</title><guid>g2</guid><media:content url="https://c.example/2.mp4"/></item>"""),
        FEED_URL)
    assert [(e.key, e.kind) for e in feed.entries] == [("g1", "article"), ("g2", "video")]


def test_paragraphs_split_blocks_and_breaks() -> None:
    assert paragraphs("<div>a</div><div>b <b>c</b></div>d<br>e<ul><li>f</li></ul>") == \
        ["a", "b c", "d", "e", "f"]
    assert paragraphs("<p>ok<script>steal()</script><iframe>fallback</iframe></p>") == ["ok"]


# ----- what is not a feed ---------------------------------------------------------

HTML_PAGE = b"""<!DOCTYPE html><html><head><title>Home</title></head>
<body><h1>Welcome</h1><p>No feed here.</p></body></html>"""


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", ""])
def test_html_page_is_not_a_feed(content_type: str) -> None:
    with pytest.raises(ParseError, match="not a feed: got text/html"):
        parse_feed(HTML_PAGE, FEED_URL, content_type)


@pytest.mark.parametrize("body, message", [
    (b"", "not a feed: the response was empty."),
    (b"   ", "not a feed: the response was empty."),
    (b"\x00\xff\xfe\x12garbage\x80\x81", "not a feed: got something that is neither RSS nor Atom."),
    (b"{\"json\": true}", "not a feed: got something that is neither RSS nor Atom."),
    (b"/etc/passwd", "not a feed: got something that is neither RSS nor Atom."),
])
def test_garbage_is_a_parse_error(body: bytes, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_feed(body, FEED_URL)
    assert caught.value.message == message


@pytest.mark.parametrize("body", [
    b"<rss><channel><item><title>x</ti",
    (b'<rss version="2.0"><channel><title>T</title><item><title>x</title><guid>g</guid></item>'
     b"<item><title>y</ti"),
], ids=["one-item", "second-item"])
def test_a_truncated_feed_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        parse_feed(body, FEED_URL)
    assert caught.value.message == "the feed ends before its </rss>: it was cut off (truncated)."


@settings(max_examples=300, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mangled_feeds_raise_nothing_but_parse_error(data: st.DataObject) -> None:
    body = bytearray(data.draw(st.sampled_from([RSS20, RSS10, RSS091, ATOM, MRSS_GROUP])))
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(body)))
        junk = data.draw(st.sampled_from([b"<", b">", b"&", b"]]>", b"<![CDATA[", b"\x00", b"\xff",
                                          b"</item>", b"<media:group>", b"&#xD800;", b"<!--", b"\x1a",
                                          b"&#55357;", b"&lt;a href=&quot;/x\x01&quot;&gt;"]))
        body[at:at + data.draw(st.integers(0, 8))] = junk
    try:
        parse_feed(bytes(body), FEED_URL)
    except ParseError:
        pass


def test_feed_served_as_text_html_is_still_a_feed() -> None:
    assert one(RSS20, content_type="text/html").key == "urn:news:1234"


def test_invalid_encoding_bytes_are_tolerated() -> None:
    body = rss("<item><title>caf\xe9</title><guid>g</guid></item>").replace("é".encode(), b"\xe9\xff")
    entry = one(body, content_type="application/rss+xml; charset=utf-8")
    assert entry.key == "g" and entry.title.startswith("caf")
    latin = rss("<item><title>x</title></item>").replace(b"utf-8", b"windows-1252")
    assert one(latin.replace(b"<title>x", b"<title>\x93quoted\x94")).title == "\u201cquoted\u201d"


def test_surrogate_character_references_do_not_lose_the_feed() -> None:
    entry = one(rss("<item><title>Smile &#55357;&#56832; &#xD800;!</title><guid>g</guid></item>"))
    assert entry.title == "Smile \U0001F600 \uFFFD!"
    assert repair_char_refs(b"&#65;&#56832;&#1114112;") == b"&#x41;&#xFFFD;&#xFFFD;"
    assert repair_char_refs(b"a &amp; &#233; b") == b"a &amp; &#233; b"


# ----- hostile XML -----------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>"""
QUADRATIC = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + b"x" * 50_000 + b'">]>'
             b'<rss version="2.0"><channel><item><title>' + b"&a;" * 50_000
             + b"</title></item></channel></rss>")


def xxe(system_id: str) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "{system_id}">]>'
            f'<rss version="2.0"><channel><title>&xxe;</title><item><title>&xxe;</title>'
            f"<description>&xxe;</description></item></channel></rss>").encode()


def parameter_xxe(system_id: str) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % remote SYSTEM "{system_id}"> %remote;]>'
            f'<rss version="2.0"><channel><item><title>t</title></item></channel></rss>').encode()


def assert_refused(body: bytes) -> None:
    for parse in (guard_xml, parse_xml, lambda b: parse_feed(b, FEED_URL)):
        with pytest.raises(ParseError) as caught:
            parse(body)
        assert caught.value.message == REFUSED


@pytest.mark.parametrize("body", [
    BILLION_LAUGHS, QUADRATIC,
    BILLION_LAUGHS.decode().replace('"1.0"?>', '"1.0" encoding="UTF-16"?>', 1).encode("utf-16"),
    xxe("file:///etc/passwd"), parameter_xxe("file:///etc/passwd"),
    b'<?xml version="1.0"?><!DOCTYPE rss [<!entity x "y">]><rss/>',
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x "y">]><rss><broken></rss',
], ids=["billion-laughs", "quadratic", "utf-16", "xxe-file", "xxe-parameter", "lowercase", "malformed"])
def test_entity_declarations_are_refused(body: bytes) -> None:
    assert_refused(body)


def test_xxe_over_http_is_refused_without_a_request(httpserver) -> None:
    httpserver.expect_request("/secret").respond_with_data("SECRET-FROM-NETWORK")
    httpserver.expect_request("/evil.dtd").respond_with_data('<!ENTITY leak "SECRET-FROM-DTD">')
    assert_refused(xxe(httpserver.url_for("/secret")))
    assert_refused(parameter_xxe(httpserver.url_for("/evil.dtd")))
    assert httpserver.log == []


def test_an_external_dtd_is_never_fetched(httpserver, tmp_path: Path) -> None:
    httpserver.expect_request("/evil.dtd").respond_with_data('<!ENTITY leak "SECRET-FROM-DTD">')
    local = tmp_path / "evil.dtd"
    local.write_text('<!ENTITY leak "SECRET-FROM-FILE">')
    for system_id in (httpserver.url_for("/evil.dtd"), local.as_uri()):
        body = (f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{system_id}">'
                f'<rss version="2.0"><channel><title>t &leak;</title><item><title>i &leak;</title>'
                f"</item></channel></rss>").encode()
        assert "SECRET" not in etree.tostring(parse_xml(body)).decode()
        feed = parse_feed(body, FEED_URL)
        assert (feed.title, [entry.title for entry in feed.entries]) == ("t", ["i"])
    assert httpserver.log == []


def test_parse_xml_is_lenient_but_not_credulous() -> None:
    root = parse_xml(b"<rss><channel><title>a &amp; b</title><item><title>broken</item></rss>")
    assert root.findtext("channel/title") == "a & b"
    with pytest.raises(ParseError, match="not XML"):
        parse_xml(b"\x00\x01 not xml at all")


# ----- the sanitising corpus ---------------------------------------------------------

DANGEROUS = re.compile(
    r"<script|javascript:|vbscript:|\son\w+\s*=|<iframe|<frame|<embed|<object|<applet|<style"
    r"|style\s*=|<meta|<link|<form|<base|\w+\s*=\s*[\"']?\s*data:",
    re.IGNORECASE,
)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [s for item in value for s in _strings(item)]
    if dataclasses.is_dataclass(value):
        return [s for f in dataclasses.fields(value) for s in _strings(getattr(value, f.name))]
    return []


def _danger(text: str) -> str:
    match = DANGEROUS.search(text) or DANGEROUS.search(html.unescape(text))
    return match.group(0) if match else ""


def test_the_danger_check_sees_what_it_should() -> None:
    for bad in ['<SCRIPT>', '<a href="JavaScript:x">', '<b onclick="x">', '<img src="data:image/png">',
                "<p style='x'>", '<a href="javascript&#58;x">', "<iframe", "<link rel=x>"]:
        assert _danger(bad), bad
    assert not _danger('<p>Safe <a href="https://x.example/" rel="nofollow">link</a> on data: sets</p>')


def test_sanitize_corpus() -> None:
    corpus = shared("corpus", "feed-sanitize")
    files = sorted(corpus.glob("*.xml"))
    assert len(files) >= 500, f"expected the feedparser corpus at {corpus}"
    parsed, refused, entries, leaks = 0, 0, 0, []
    for path in files:
        try:
            feed = parse_feed(path.read_bytes(), FEED_URL)
        except ParseError:
            refused += 1
            continue
        parsed += 1
        entries += len(feed.entries)
        for field_name, value in [("feed.title", feed.title), ("feed.link", feed.link)] + [
                (f"entries[{i}].{f.name}", getattr(e, f.name))
                for i, e in enumerate(feed.entries) for f in dataclasses.fields(e)]:
            leaks += [(path.name, field_name, found) for s in _strings(value) if (found := _danger(s))]
    print(f"\nfeed-sanitize corpus: {len(files)} files, {parsed} parsed, {refused} refused, "
          f"{entries} entries, {len(leaks)} leaks")
    assert leaks == []
    assert (parsed, refused) == (len(files), 0), "a refused file's content is not checked"
    assert entries > 300
