"""One article page to an ``Entry``: the body from readability-lxml with trafilatura as
a second opinion, the rest from the page's structured metadata (feeds.ingest.structured) and
its markup (feeds.ingest.page_parts)."""
from __future__ import annotations

import copy
import re
from urllib.parse import urljoin

import lxml.etree
import lxml.html
import trafilatura
from lxml.html import HtmlElement
from readability import Document
from readability.readability import Unparseable

from feeds.errors import ParseError
from feeds.ingest.charset import decode_html
from feeds.ingest.page_parts import byline, categories, lead_image, page_videos, time_element
from feeds.ingest.sanitize import clean_html
from feeds.ingest.structured import Structured, collapse, read_structured
from feeds.ingest.titles import choose_title
from feeds.model import Entry, Video
from feeds.text import word_count

THIN_WORDS = 80
TRUST_SHARE = 0.25
MIN_ARTICLE_WORDS = 15
BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl",
    "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul",
}
UNWANTED_TAGS = ("script", "style", "noscript", "template", "svg", "math", "iframe", "object",
                 "embed", "form", "button", "select", "textarea")
BOILERPLATE_TEXT = re.compile(
    r"^(share (this|on|the)\b|read more\b|related (articles|stories|posts|content)\b|related:"
    r"|advertisement$|sponsored\b|sign up\b|subscribe\b|follow us\b|click here\b|like this:"
    r"|continue reading\b"
    r"|(leave a |view |show |\d+ )?comments?$|all rights reserved|\u00a9|copyright\b)"
    r"|can also be accessed at the following alternate address",
    re.IGNORECASE,
)
BOILERPLATE_MARKS = re.compile(
    r"share|social|related|newsletter|subscribe|comment|advert|promo|sponsor|breadcrumb"
    r"|most-?(read|viewed|popular)|read-?more|recommend|outbrain|taboola",
    re.IGNORECASE,
)


def parse_article(html: bytes | str, url: str) -> Entry:
    doc = _parse(html, url)
    page_url, url = url, _base_url(doc, url)
    meta = read_structured(doc, url)
    title = choose_title(meta, [t for h1 in doc.iter("h1") if (t := collapse(h1.text_content()))])
    article = _article_tree(doc, url, title)
    videos = page_videos(doc, meta, url)
    prose = _prose_words(article, doc) if article is not None else 0
    if prose < MIN_ARTICLE_WORDS and not videos:
        raise ParseError(f"The page at {page_url} has no article text.")
    body = paragraphs(article) if article is not None else []
    image_url, caption = lead_image(doc, meta, url)
    canonical = meta.canonical or page_url
    return Entry(
        key=canonical,
        kind="video" if _is_video_page(meta, videos, prose) else "article",
        title=title,
        summary=meta.description or (body[0] if body else ""),
        body=body,
        body_html=clean_html(lxml.html.tostring(article, encoding="unicode")) if body else "",
        image_url=image_url,
        image_caption=caption,
        categories=categories(doc, meta, title),
        published=meta.published or time_element(doc),
        updated=meta.updated,
        url=canonical,
        author=meta.author or byline(doc),
        language=meta.language,
        videos=videos,
        duration=next((v.duration for v in videos if v.duration), None),
    )


def _parse(html: bytes | str, url: str) -> HtmlElement:
    text = decode_html(html)
    if not text.strip():
        raise ParseError(f"The page at {url} is empty.")
    try:
        doc = lxml.html.document_fromstring(text)
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


def _article_tree(doc: HtmlElement, url: str, title: str) -> HtmlElement | None:
    """Readability's article, unless it found next to nothing where trafilatura found
    an article; then trafilatura's."""
    readable = _readability(doc)
    second = _trafilatura(doc, url)
    if second is not None and (readable is None or (
            _words(readable) < THIN_WORDS and _words(second) >= 2 * _words(readable))):
        readable, second = second, None
    if readable is not None:
        for link in readable.xpath('.//a[not(@href) or @href="" or starts-with(normalize-space('
                                   'translate(@href, "JAVSCRIPT", "javscript")), "javascript:")]'):
            link.attrib.pop("href", None)
        readable.make_links_absolute(url, resolve_base_href=False, handle_failures="discard")
        _drop_boilerplate(readable, title)
        if second is not None:
            _trim_edges(readable, second)
    return readable


def _readability(doc: HtmlElement) -> HtmlElement | None:
    try:
        summary = Document(copy.deepcopy(doc)).summary(html_partial=True)
    except (Unparseable, ValueError, TypeError):
        return None
    return _fragment(summary)


def _trafilatura(doc: HtmlElement, url: str) -> HtmlElement | None:
    extracted = trafilatura.extract(
        copy.deepcopy(doc), url=url, output_format="html", include_comments=False,
        include_tables=True, include_images=True, include_links=True)
    return _fragment(extracted) if extracted else None


def _fragment(html: str) -> HtmlElement | None:
    if not html or not html.strip():
        return None
    root = lxml.html.document_fromstring(html)
    return root.find("body") if root.find("body") is not None else root


def _drop_boilerplate(tree: HtmlElement, title: str) -> None:
    """Scripts and the like, share boxes, "read more" lines and related links that an
    extractor kept inside the article, and a first heading that repeats the title."""
    for element in tree.xpath(" | ".join(f".//{tag}" for tag in UNWANTED_TAGS) + " | .//comment()"):
        element.drop_tree()
    for element in list(tree.iterdescendants()):
        marks = f"{element.get('class', '')} {element.get('id', '')}"
        if BOILERPLATE_MARKS.search(marks) and _link_heavy(element):
            element.drop_tree()
    for block in _leaf_blocks(tree):
        text = collapse(block.text_content())
        if word_count(text) <= 15 and BOILERPLATE_TEXT.search(text):
            block.drop_tree()
    for heading in tree.xpath(".//h1 | .//h2")[:1]:
        if collapse(heading.text_content()) == title:
            heading.drop_tree()


def _link_heavy(element: HtmlElement) -> bool:
    text = _words(element)
    return text < 40 or sum(_words(a) for a in element.iter("a")) >= text / 2


def _leaf_blocks(tree: HtmlElement) -> list[HtmlElement]:
    return [b for b in tree.iter(*BLOCK_TAGS) if _words(b) and not any(
        d.tag in BLOCK_TAGS for d in b.iterdescendants())]


def _trim_edges(tree: HtmlElement, second: HtmlElement) -> None:
    """Drop leading and trailing blocks that the second extractor left out (captions of
    other pictures, "related" lists) when the two agree on the rest and the blocks are a
    small part of the article."""
    known_words = " ".join(_word_list(second.text_content()))
    known = _shingles(_word_list(known_words))
    blocks = _leaf_blocks(tree)
    covered = [_covered(_word_list(b.text_content()), known, known_words) for b in blocks]
    if True not in covered:
        return
    first, last = covered.index(True), len(covered) - covered[::-1].index(True)
    inner = sum(_words(b) for b, ok in zip(blocks[first:last], covered[first:last]) if not ok)
    if inner > TRUST_SHARE * sum(_words(b) for b in blocks[first:last]):
        return
    extra = blocks[:first] + blocks[last:]
    if sum(_words(b) for b in extra) <= TRUST_SHARE * _words(tree):
        for block in extra:
            block.drop_tree()


def _covered(words: list[str], known: set[tuple[str, ...]], known_words: str) -> bool:
    if len(words) < 3:
        return f" {' '.join(words)} " in f" {known_words} "
    shingles = _shingles(words)
    return len(shingles & known) >= len(shingles) / 2


def _shingles(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + 3]) for i in range(len(words) - 2)}


def _word_list(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _words(tree: HtmlElement) -> int:
    return word_count(tree.text_content())


def _prose_words(tree: HtmlElement, doc: HtmlElement) -> int:
    """Words outside links and link labels: a page of links (an index, a menu) has none."""
    labels = {collapse(a.text_content()) for a in doc.iter("a")}
    unlinked = copy.deepcopy(tree)
    for link in list(unlinked.iter("a")):
        link.drop_tree()
    lines = (collapse(line) for text in unlinked.itertext() for line in text.splitlines())
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
