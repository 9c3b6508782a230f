"""The article of a page: readability-lxml's pick, its edges checked against
trafilatura's, or trafilatura's own when readability finds next to nothing.

The page is parsed once, and both extractors get that tree: its white space between tags
squeezed (``squeeze``) and pruned of what is never article text (scripts, menus, footers
and asides outside the article), which makes readability half as costly. They change the
tree, so the caller reads everything else from it first. Trafilatura is asked for text
only, without its own fallbacks (readability again, and jusText): its text is enough to
judge readability's edges.
"""
from __future__ import annotations

import copy
import re

import lxml.etree
import lxml.html
import trafilatura
from lxml.html import HtmlElement
from readability import Document
from readability.readability import REGEXES, Unparseable

from feeds.ingest.structured import collapse
from feeds.text import word_count

THIN_WORDS = 80
TRUST_SHARE = 0.25
BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl",
    "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul",
}
UNWANTED_TAGS = ("script", "style", "noscript", "template", "svg", "math", "iframe", "object",
                 "embed", "form", "button", "select", "textarea")
NEVER_TEXT = lxml.etree.XPath(
    "//script | //style | //noscript | //template | //svg | //link | //iframe | //nav"
    " | //footer[not(ancestor::article)] | //aside[not(ancestor::article)]"
    " | //comment() | //processing-instruction()")
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
_KEEP_SPACE = re.compile(r"(<pre\b.*?</pre\s*>|<textarea\b.*?</textarea\s*>)",
                         re.IGNORECASE | re.DOTALL)
_SPACE_BETWEEN_TAGS = re.compile(r">[ \t\r\n]{2,}<")
_WORD = re.compile(r"\w")
_DEAD_LINKS = lxml.etree.XPath(
    './/a[not(@href) or @href="" or starts-with(normalize-space('
    'translate(@href, "JAVSCRIPT", "javscript")), "javascript:")]')


def squeeze(page: str) -> str:
    """Runs of white space between tags as one line break, outside ``<pre>``: the page
    reads the same, and readability, which measures text over and over with regular
    expressions that are slow on long runs of spaces, takes a third less time."""
    pieces = _KEEP_SPACE.split(page)
    pieces[::2] = [_SPACE_BETWEEN_TAGS.sub(">\n<", piece) for piece in pieces[::2]]
    return "".join(pieces)


def article_tree(doc: HtmlElement, page: str, url: str, title: str) -> HtmlElement | None:
    """The article of ``doc`` (``page`` squeezed and parsed) as a tree of its own, links
    absolute and boilerplate gone; ``doc`` is pruned and changed on the way."""
    for element in NEVER_TEXT(doc):
        if element.getparent() is not None:
            element.drop_tree()
    readable = _readability(doc)
    if readable is None or _words(readable) < THIN_WORDS:
        second = _trafilatura_tree(page, url)
        if second is not None and (readable is None or _words(second) >= 2 * _words(readable)):
            return _tidy(second, url, title)
        known = second.text_content() if second is not None else None
    else:
        known = _trafilatura_text(doc, url)
    if readable is None:
        return None
    _tidy(readable, url, title)
    if known is not None:
        _trim_edges(readable, known)
    return readable


class _Readability(Document):
    """readability-lxml without its cleaning pass (lxml's Cleaner on a copy of the page,
    a fifth of its time): the page is pruned before and the article sanitised after.
    What it drops itself, hidden elements, it still drops; the copy stays, as readability
    changes the tree and starts over from the page when it kept too little."""

    def _parse(self, input: HtmlElement) -> HtmlElement:
        doc = copy.deepcopy(input)
        for element in doc.xpath("//*[@hidden]"):
            element.drop_tree()
        for element in doc.xpath("//*[@style]"):
            if REGEXES["displayNoneRe"].search(element.get("style")):
                element.drop_tree()
        return doc


def _readability(doc: HtmlElement) -> HtmlElement | None:
    try:
        summary = _Readability(doc).summary(html_partial=True)
    except (Unparseable, ValueError, TypeError):
        return None
    return _fragment(summary)


def _trafilatura_tree(page: str, url: str) -> HtmlElement | None:
    """Trafilatura with its own fallbacks, for a page readability could not read; on
    the page as written, since its thresholds count white space."""
    try:
        doc = lxml.html.document_fromstring(page)
    except (ValueError, lxml.etree.ParserError):
        return None
    extracted = trafilatura.extract(
        doc, url=url, output_format="html", include_comments=False, include_tables=True,
        include_images=True, include_links=True)
    return _fragment(extracted) if extracted else None


def _trafilatura_text(doc: HtmlElement, url: str) -> str | None:
    """Trafilatura's text alone, as a second opinion: its own fallbacks would run
    readability again."""
    return trafilatura.extract(doc, url=url, fast=True, include_comments=False,
                               include_tables=True, include_images=True)


def _fragment(html: str) -> HtmlElement | None:
    if not html or not html.strip():
        return None
    root = lxml.html.document_fromstring(html)
    return root.find("body") if root.find("body") is not None else root


def _tidy(tree: HtmlElement, url: str, title: str) -> HtmlElement:
    for link in _DEAD_LINKS(tree):
        link.attrib.pop("href", None)
    tree.make_links_absolute(url, resolve_base_href=False, handle_failures="discard")
    _drop_boilerplate(tree, title)
    return tree


def _drop_boilerplate(tree: HtmlElement, title: str) -> None:
    """Scripts and the like, share boxes, "read more" lines and related links that an
    extractor kept inside the article, and a first heading that repeats the title."""
    for element in tree.xpath(" | ".join(f".//{tag}" for tag in UNWANTED_TAGS) + " | .//comment()"):
        element.drop_tree()
    for element in list(tree.iterdescendants()):
        marks = f"{element.get('class', '')} {element.get('id', '')}"
        if marks != " " and BOILERPLATE_MARKS.search(marks) and _link_heavy(element):
            element.drop_tree()
    for block in leaf_blocks(tree):
        text = collapse(block.text_content())
        if word_count(text) <= 15 and BOILERPLATE_TEXT.search(text):
            block.drop_tree()
    for heading in tree.xpath(".//h1 | .//h2")[:1]:
        if collapse(heading.text_content()) == title:
            heading.drop_tree()


def _link_heavy(element: HtmlElement) -> bool:
    text = _words(element)
    return text < 40 or sum(_words(a) for a in element.iter("a")) >= text / 2


def leaf_blocks(tree: HtmlElement) -> list[HtmlElement]:
    """Block elements with text and no block inside."""
    blocks = list(tree.iter(*BLOCK_TAGS))
    outer = {a for b in blocks for a in b.iterancestors(*BLOCK_TAGS)}
    return [b for b in blocks if b not in outer and _WORD.search(b.text_content())]


def _trim_edges(tree: HtmlElement, known_text: str) -> None:
    """Drop leading and trailing blocks that the second extractor left out (captions of
    other pictures, "related" lists) when the two agree on the rest and the blocks are a
    small part of the article."""
    known_words = " ".join(_word_list(known_text))
    known = _shingles(known_words.split())
    blocks = [(b, _word_list(b.text_content())) for b in leaf_blocks(tree)]
    covered = [_covered(words, known, known_words) for _, words in blocks]
    if True not in covered:
        return
    first, last = covered.index(True), len(covered) - covered[::-1].index(True)
    inner = [len(words) for _, words in blocks[first:last]]
    missed = sum(n for n, ok in zip(inner, covered[first:last]) if not ok)
    extra = blocks[:first] + blocks[last:]
    if missed <= TRUST_SHARE * sum(inner) and sum(
            len(words) for _, words in extra) <= TRUST_SHARE * _words(tree):
        for block, _ in extra:
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
