"""One article page to an ``Entry``: the body from the extractors (feeds.ingest.extract),
the rest from the page's structured metadata (feeds.ingest.structured) and its markup
(feeds.ingest.page_parts, feeds.ingest.captions)."""
from __future__ import annotations

from urllib.parse import urljoin

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

from feeds.errors import ParseError
from feeds.ingest.captions import lead_image
from feeds.ingest.charset import decode_html
from feeds.ingest.extract import BLOCK_TAGS, article_tree, squeeze
from feeds.ingest.page_parts import byline, categories, page_videos, time_element
from feeds.ingest.sanitize import clean_html
from feeds.ingest.structured import Structured, collapse, read_structured
from feeds.ingest.titles import choose_title
from feeds.model import Entry, Video
from feeds.text import word_count

MIN_ARTICLE_WORDS = 15
_UNLINKED_TEXT = lxml.etree.XPath(".//text()[not(ancestor::a)]", smart_strings=False)


def parse_article(html: bytes | str, url: str) -> Entry:
    text = decode_html(html)
    doc = _parse(text, url)
    base = _base_url(doc, url)
    meta = read_structured(doc, base)
    entry = _page_parts(doc, meta, url, base)
    labels = {collapse(a.text_content()) for a in doc.iter("a")}  # menus included
    article = article_tree(doc, text, base, entry.title)  # the last to read doc: it changes it
    prose = _prose_words(article, labels) if article is not None else 0
    if prose < MIN_ARTICLE_WORDS and not entry.videos:
        raise ParseError(f"The page at {url} has no article text.")
    entry.body = paragraphs(article) if article is not None else []
    entry.body_html = clean_html(lxml.html.tostring(article, encoding="unicode")) if entry.body else ""
    entry.summary = meta.description or (entry.body[0] if entry.body else "")
    entry.kind = "video" if _is_video_page(meta, entry.videos, prose) else "article"
    return entry


def _page_parts(doc: HtmlElement, meta: Structured, page_url: str, url: str) -> Entry:
    """All but the body: from the metadata, else from the markup."""
    title = choose_title(meta, [t for h1 in doc.iter("h1") if (t := collapse(h1.text_content()))])
    videos = page_videos(doc, meta, url)
    image_url, caption = lead_image(doc, meta, url)
    return Entry(
        key=meta.canonical or page_url, title=title, image_url=image_url, image_caption=caption,
        categories=categories(doc, meta, title), published=meta.published or time_element(doc),
        updated=meta.updated, url=meta.canonical or page_url,
        author=meta.author or byline(doc), language=meta.language, videos=videos,
        duration=next((v.duration for v in videos if v.duration), None))


def _parse(text: str, url: str) -> HtmlElement:
    if not text.strip():
        raise ParseError(f"The page at {url} is empty.")
    try:
        doc = lxml.html.document_fromstring(squeeze(text))
    except (ValueError, lxml.etree.ParserError) as exc:
        raise ParseError(f"The page at {url} is not readable HTML ({exc}).") from exc
    for base in doc.xpath("//body//base"):
        base.drop_tree()
    return doc


def _base_url(doc: HtmlElement, url: str) -> str:
    """The page's address for relative links: the ``<base>`` of its head (one that the
    body slipped in is gone by now), else its own."""
    base = next((b.get("href").strip() for b in doc.xpath("//base[@href]")), "")
    return urljoin(url, base) if base else url


def _prose_words(tree: HtmlElement, labels: set[str]) -> int:
    """Words outside links and link labels: a page of links (an index, a menu) has none."""
    lines = (collapse(line) for text in _UNLINKED_TEXT(tree) for line in text.splitlines())
    return sum(word_count(line) for line in lines if line not in labels)


def paragraphs(tree: HtmlElement) -> list[str]:
    """The tree's text as paragraphs: a break at every block-level element or ``<br>``."""
    found: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = collapse("".join(buffer))
        buffer.clear()
        if text:
            found.append(text)

    for event, element in lxml.etree.iterwalk(tree, events=("start", "end")):
        if element.tag in BLOCK_TAGS:
            flush()
        if event == "start" and element.text:
            buffer.append(element.text)
        elif event == "end" and element.tail and element is not tree:
            buffer.append(element.tail)
    flush()
    return found


def _is_video_page(meta: Structured, videos: list[Video], prose_words: int) -> bool:
    if meta.og_type.startswith("video") or meta.main_type == "videoobject":
        return True
    return bool(videos) and prose_words < MIN_ARTICLE_WORDS
