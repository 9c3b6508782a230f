"""Article pages to entries: the seed page exactly, hostile markup, pages without an
article, videos, breadcrumbs, images, and accuracy on the readability corpus."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bench.scoring import corpus_pages, f1, title_matches
from feeds.errors import ParseError
from feeds.ingest.article import parse_article
from feeds.model import Video
from tests.conftest import shared

STORY = "".join(
    f"<p>Paragraph {n}: the council voted on Tuesday to approve the new bridge across the river, "
    f"ending a debate that lasted more than two years and divided the town.</p>" for n in range(1, 5))


def page(head: str = "", body: str = "", lang: str = "en") -> str:
    return f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'


def normalise(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def seed() -> tuple:
    blocks = [normalise(b) for b in shared("seeds", "000_a81f25c9946499be.txt").read_text(encoding="utf-8").split("\n\n")]
    blocks = [b for b in blocks if b]
    entry = parse_article(shared("seeds", "press-article.html").read_bytes(), "https://www.presstv.com/Detail/584480")
    return entry, blocks


def test_seed_page_title_sections_caption_and_date(seed):
    entry, blocks = seed
    assert entry.title == "Russia ready for 'wide-ranging' dialogue with US: Putin" == blocks[1]
    assert entry.categories == ["News", "Foreign Policy", "Russia"]
    assert blocks[0] == " / ".join(entry.categories)
    assert entry.image_caption == blocks[2]
    assert entry.image_url == "https://cdn.presstv.com/Photo/2018/12/30/putin-trump-helsinki.jpg"
    assert entry.published == datetime(2018, 12, 30, 14, 52, 11, tzinfo=timezone(timedelta(hours=3, minutes=30)))
    assert entry.published.utcoffset() == timedelta(hours=3, minutes=30)
    canonical = "https://www.presstv.com/Detail/2018/12/30/584480/Russia-Putin-Trump-dialogue-letter"
    assert entry.key == entry.url == canonical
    assert entry.kind == "article" and entry.language == "en"
    assert entry.summary.startswith("Russian President Vladimir Putin has told his American counterpart")


def test_seed_page_body_is_exactly_the_thirteen_paragraphs(seed):
    entry, blocks = seed
    expected = blocks[3:16]
    assert blocks[16].startswith("Press TV’s website can also be accessed")
    assert [normalise(p) for p in entry.body] == expected
    assert entry.body_html.count("<p>") == 13


@pytest.mark.parametrize("boilerplate", [
    "SHARE THIS ARTICLE", "alternate addresses", "presstv.co.uk", "Press TV News", "Roku",
    "Most Viewed", "All rights reserved", "Foreign Policy"])
def test_seed_page_body_has_no_boilerplate(seed, boilerplate):
    entry, _ = seed
    assert boilerplate.lower() not in "\n".join(entry.body).lower()
    assert boilerplate.lower() not in entry.body_html.lower()


def test_hostile_markup_never_reaches_body_html():
    body = (
        '<article><h1>Bridge vote</h1><base href="https://evil.example/">'
        '<p onclick="steal()" style="background:url(x.png)">Readers can <a href="javascript:alert(1)">see</a> '
        'how the <span srcdoc="&lt;script&gt;alert(5)&lt;/script&gt;" formaction="javascript:alert(6)">bridge</span> '
        'vote went after the long debate.</p><script>document.write("injected")</script>'
        '<iframe src="https://evil.example/frame"></iframe>' + STORY +
        '<p><img src="lead.jpg" onerror="alert(2)"> <a href="JaVaScRiPt:alert(3)" onmouseover="x()">More</a> '
        'on the <a href="/bridge">bridge project</a> and <a href="data:text/html;base64,PHNjcmlwdD4=">its '
        'cost</a> to the town.</p></article>')
    entry = parse_article(page("<title>Bridge vote</title>", body), "https://news.example/town/bridge")
    lowered = entry.body_html.lower()
    forbidden = ("<script", "<iframe", "onclick", "onerror", "onmouseover", "javascript:", "data:", "srcdoc",
                 "formaction", "style=", "injected", "evil.example")
    for marker in forbidden:
        assert marker not in lowered
    assert "Paragraph 4: the council voted" in entry.body_html
    assert 'href="https://news.example/bridge"' in entry.body_html
    assert 'src="https://news.example/town/lead.jpg"' in entry.body_html
    assert entry.body[0] == "Readers can see how the bridge vote went after the long debate."


@pytest.mark.parametrize("html", [
    "",
    page("<title>Sections</title>", "<nav><ul>" + "".join(
        f'<li><a href="/section/{n}">Section number {n}</a></li>' for n in range(40)) + "</ul></nav>"
        "<footer>© 2024 Example News. All rights reserved.</footer>"),
    page("<title>Not found</title>", "<h1>Not found</h1><p>Sorry.</p>"),
])
def test_page_without_an_article_raises_parse_error(html):
    with pytest.raises(ParseError) as raised:
        parse_article(html, "https://news.example/sections/")
    assert "https://news.example/sections/" in raised.value.message


def test_jsonld_video_object_gives_a_video_page_with_type_and_duration():
    head = """<title>Flood footage | Example News</title><script type="application/ld+json">
    {"@context": "https://schema.org", "@type": "VideoObject", "name": "Flood footage",
     "contentUrl": "/media/flood.m3u8", "encodingFormat": "application/x-mpegURL",
     "embedUrl": "https://player.example/embed/77", "duration": "PT1M30S",
     "uploadDate": "2024-03-01T08:00:00+01:00", "thumbnailUrl": "/img/flood.jpg"}</script>"""
    entry = parse_article(page(head, "<main><h1>Flood footage</h1>" + STORY + "</main>"), "https://news.example/v/77")
    assert entry.kind == "video"
    assert entry.title == "Flood footage"
    assert entry.videos[0] == Video(url="https://news.example/media/flood.m3u8", type="application/x-mpegURL", duration=90)
    assert "https://player.example/embed/77" in [v.url for v in entry.videos]
    assert entry.duration == 90
    assert entry.published == datetime(2024, 3, 1, 7, 0, tzinfo=timezone.utc)
    assert entry.published.utcoffset() == timedelta(hours=1)
    assert entry.image_url == "https://news.example/img/flood.jpg"


def test_video_element_sources_give_typed_videos_with_the_jsonld_duration():
    head = """<title>Bridge opening</title><script type="application/ld+json">
    {"@context": "http://schema.org", "@graph": [{"@type": "NewsArticle", "headline": "Bridge opening",
     "video": {"@type": "VideoObject", "contentUrl": "https://cdn.example/clips/opening.mp4", "duration": "PT2M5S"}}]}
    </script>"""
    body = ('<article><h1>Bridge opening</h1><video controls width="1280" height="720">'
            '<source src="//cdn.example/clips/opening.mp4" type="video/mp4"><source src="clips/opening.webm">'
            '</video>' + STORY + '</article>')
    entry = parse_article(page(head, body), "https://news.example/town/opening")
    assert entry.kind == "article"
    by_url = {v.url: v for v in entry.videos}
    assert by_url["https://cdn.example/clips/opening.mp4"].type == "video/mp4"
    assert by_url["https://cdn.example/clips/opening.mp4"].duration == 125
    assert by_url["https://news.example/town/clips/opening.webm"].type == "video/webm"
    assert entry.duration == 125


def test_breadcrumbs_from_jsonld_breadcrumb_list():
    head = """<title>Storm warning</title><meta property="article:section" content="Weather">
    <script type="application/ld+json">[{"@context": {"@vocab": "http://schema.org/"}, "@type": "BreadcrumbList",
     "itemListElement": [
       {"@type": "ListItem", "position": 3, "name": "Storms", "item": "https://news.example/news/weather/storms"},
       {"@type": "ListItem", "position": 1, "name": "News", "item": "https://news.example/news"},
       {"@type": "ListItem", "position": 2, "name": "Weather", "item": "https://news.example/news/weather"}]}]
    </script>"""
    entry = parse_article(page(head, "<article><h1>Storm warning</h1>" + STORY + "</article>"), "https://news.example/s")
    assert entry.categories == ["News", "Weather", "Storms"]


def test_page_breadcrumbs_leave_out_home_and_the_article_itself():
    trail = ('<nav aria-label="Breadcrumb"><ol><li><a href="/">Accueil</a></li><li><a href="/monde">Monde</a></li>'
             '<li><a href="/monde/europe">Europe</a></li><li>Storm warning</li></ol></nav>')
    html = page("<title>Storm warning</title>", trail + "<article><h1>Storm warning</h1>" + STORY + "</article>")
    assert parse_article(html, "https://news.example/monde/europe/s").categories == ["Monde", "Europe"]


def test_section_from_opengraph_when_there_are_no_breadcrumbs():
    head = '<title>Storm warning</title><meta property="article:section" content="Weather">'
    entry = parse_article(page(head, "<article><h1>Storm warning</h1>" + STORY + "</article>"), "https://news.example/s")
    assert entry.categories == ["Weather"]


def test_relative_image_urls_are_resolved_against_the_page():
    with_og = page('<title>Bridge</title><meta property="og:image" content="../img/lead.jpg">',
                   "<article><h1>Bridge</h1>" + STORY + "</article>")
    assert parse_article(with_og, "https://news.example/a/b/page.html").image_url == "https://news.example/a/img/lead.jpg"
    with_figure = page("<title>Bridge</title>", '<article><h1>Bridge</h1><figure><img src="pics/lead.jpg" alt="">'
                       "<figcaption>The bridge at dawn. (Photo: Town Hall)</figcaption></figure>" + STORY + "</article>")
    entry = parse_article(with_figure, "https://news.example/a/b/page.html")
    assert entry.image_url == "https://news.example/a/b/pics/lead.jpg"
    assert entry.image_caption == "The bridge at dawn. (Photo: Town Hall)"


def test_site_name_suffix_is_trimmed_only_when_the_headline_confirms_it():
    head = ('<title>Bridge opens after two years | Town Times</title><meta property="og:site_name" content="Town Times">'
            '<meta property="og:title" content="Bridge opens after two years | Town Times">')
    confirmed = page(head, "<article><h1>Bridge opens after two years</h1>" + STORY + "</article>")
    assert parse_article(confirmed, "https://news.example/b").title == "Bridge opens after two years"
    unconfirmed = page(head, "<article><h1>Town Times</h1>" + STORY + "</article>")
    assert parse_article(unconfirmed, "https://news.example/b").title == "Bridge opens after two years | Town Times"


def test_code_in_pre_keeps_its_line_breaks_and_indentation():
    code = "<pre><code>if bridge.ready:</code>\n    <code>bridge.open()</code></pre>"
    html = page("<title>Bridge</title>", "<article><h1>Bridge</h1>" + STORY + code + STORY + "</article>")
    entry = parse_article(html, "https://news.example/b")
    assert "<code>if bridge.ready:</code>\n    <code>bridge.open()</code>" in entry.body_html
    assert "if bridge.ready: bridge.open()" in entry.body


def test_related_posts_after_an_article_are_not_body():
    """A WordPress page whose extracted article runs on into "Like this:" and three related posts."""
    source = shared("corpus", "readability", "wordpress", "source.html").read_bytes()
    entry = parse_article(source, "http://example.com/wordpress/")
    assert entry.body[-1].endswith("These are both highly portable skills that are in demand on the web.")
    assert not any("2016 Developer Survey" in p or p.startswith("Like this") for p in entry.body)


def test_readability_corpus_accuracy():
    shared("corpus", "readability")
    pages = corpus_pages()
    assert len(pages) == 58
    titles, scores = 0, []
    for item in pages:
        try:
            entry = parse_article(item.html, item.url)
            title, body = entry.title, "\n".join(entry.body)
        except ParseError:
            title, body = "", ""
        titles += title_matches(title, item.expected_title)
        scores.append(f1(body, item.expected_text))
    mean_f1 = sum(scores) / len(scores)
    assert titles >= 55, f"{titles}/58 titles right"
    assert mean_f1 >= 0.96, f"mean F1 {mean_f1:.3f}"
