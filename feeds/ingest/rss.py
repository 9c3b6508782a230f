"""RSS 0.9x/1.0/2.0 and Atom feeds to entries, through feedparser.

feedparser gets the bytes only after ``guard_xml``, as a stream (given ``bytes`` it
tries them as a file name first), with its own sanitiser and link rewriting off: every
field goes through ``feeds.ingest.sanitize`` instead, so there is one allowlist to reason
about, and links in content are made absolute with lxml (feedparser's sgmllib pass
took most of the parsing time).
"""
from __future__ import annotations

import calendar
import hashlib
import html as html_lib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import feedparser
import lxml.html
from lxml import etree

from feeds.errors import ParseError
from feeds.ingest.media_rss import read_media, safe_url, split_tags
from feeds.ingest.sanitize import clean_html, plain_text
from feeds.ingest.xmlsafe import guard_xml, parse_xml, repair_char_refs
from feeds.model import Entry

_ITEM_TAGS = (
    "item",
    "{http://purl.org/rss/1.0/}item",
    "{http://my.netscape.com/rdf/simple/0.9/}item",
    "{http://backend.userland.com/rss2}item",
    "{http://blogs.law.harvard.edu/tech/rss}item",
    "{http://www.w3.org/2005/Atom}entry",
    "{http://purl.org/atom/ns#}entry",
)
_ID_TAGS = ("guid", "{http://www.w3.org/2005/Atom}id", "{http://purl.org/atom/ns#}id")
_RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
_HTML_TYPES = {"text/html", "application/xhtml+xml", "html", "xhtml"}
_BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "caption", "center", "dd", "details",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
    "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}
_CHUNK_SEPARATOR = "\ue000"
_STRIPPED_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000]")
_ROOT_TAG = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?(?:rss|feed|RDF|rdf))[\s>/]")
_LOOKS_LIKE_HTML = re.compile(rb"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.I)


@dataclass
class ParsedFeed:
    title: str
    link: str
    entries: list[Entry] = field(default_factory=list)


def parse_feed(body: bytes, url: str, content_type: str = "") -> ParsedFeed:
    """The feed in ``body`` (fetched from ``url``), or ParseError when it is not a
    feed, declares XML entities or was cut off before its end. A feed with other
    recoverable errors is accepted."""
    if not body or not body.strip():
        raise ParseError("not a feed: the response was empty.")
    body = repair_char_refs(guard_xml(body))
    _refuse_truncated(body)
    data = _feedparser(body, url, content_type)
    if not data.get("version") and not data.get("entries"):
        raise ParseError(f"not a feed: got {_what_it_is(body, content_type)}.")
    feed = data.get("feed") or {}
    language = plain_text(feed.get("language") or "")
    entries = data.get("entries") or []
    items = _match_items(entries, _raw_items(body), url)
    return ParsedFeed(
        title=plain_text(feed.get("title") or ""),
        link=safe_url(feed.get("link"), url),
        entries=[_entry(e, item, url, language) for e, item in zip(entries, items)],
    )


def _refuse_truncated(body: bytes) -> None:
    """A feed whose root element is never closed was cut off (a dropped connection, a
    size cap upstream): its last item would be stored half, so none is taken."""
    root = _ROOT_TAG.search(body)
    if root and not re.search(rb"</" + re.escape(root.group(1)) + rb"\s*>", body[-4096:]):
        raise ParseError(f"the feed ends before its </{root.group(1).decode('ascii', 'replace')}>: "
                         "it was cut off (truncated).")


def _feedparser(body: bytes, url: str, content_type: str) -> Mapping:
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    try:
        return feedparser.parse(io.BytesIO(body), response_headers=headers,
                                sanitize_html=False, resolve_relative_uris=False)
    except Exception as error:  # feedparser on hostile bytes: report, don't crash the refresh
        raise ParseError(f"not a feed: the parser failed with {type(error).__name__}.") from error


def _what_it_is(body: bytes, content_type: str) -> str:
    if _LOOKS_LIKE_HTML.search(body[:4096]):
        return "text/html"
    return content_type.split(";")[0].strip().lower() or "something that is neither RSS nor Atom"


def _raw_items(body: bytes) -> list[etree._Element]:
    try:
        return list(parse_xml(body).iter(*_ITEM_TAGS))
    except ParseError:
        return []


def _raw_id(item: etree._Element | None) -> str:
    if item is None:
        return ""
    for tag in _ID_TAGS:
        found = item.find(tag)
        if found is not None and found.text and found.text.strip():
            return found.text.strip()
    return (item.get(_RDF_ABOUT) or "").strip()


def _raw_ids(item: etree._Element, base: str) -> set[str]:
    """The item's guid/id as written and as feedparser resolves a permalink guid."""
    raw = _raw_id(item)
    return {raw, safe_url(raw, safe_url(item.base, base) or base)} - {""} if raw else set()


def _match_items(entries: list[Mapping], items: list[etree._Element],
                 base: str) -> list[etree._Element | None]:
    """The raw element of each entry: by position when the counts agree and the ids do
    not contradict it, else by guid/id."""
    ids = [_raw_ids(item, base) for item in items]
    by_id = {key: item for item, keys in zip(items, ids) for key in keys}
    matched: list[etree._Element | None] = []
    for position, entry in enumerate(entries):
        key = (entry.get("id") or "").strip()
        if len(items) == len(entries) and not (key and ids[position] and key not in ids[position]):
            matched.append(items[position])
        else:
            matched.append(by_id.get(key) if key else None)
    return matched


def _entry(e: Mapping, item: etree._Element | None, feed_url: str, language: str) -> Entry:
    media = read_media(e, item, feed_url)
    body_html, body = _body(*_source(e, feed_url))
    raw_id = _raw_id(item)
    link = safe_url(e.get("link"), feed_url)
    if _link_is_a_relative_guid(e, item):
        link = ""
    title = media.title or plain_text(e.get("title") or "")
    published = _date(e, "published") or _date(e, "created") or _date(e, "updated")
    categories, tags = split_tags(e)
    return Entry(
        key=_key(raw_id or e.get("id") or "", link, title, e, body_html),
        kind="video" if media.videos else "article",
        title=title,
        summary=media.description or text_of(_summary_html(e)) or (body[0] if body else ""),
        body=body,
        body_html=body_html,
        image_url=media.image or _itunes_image(e, feed_url) or first_image(body_html, link or feed_url),
        categories=categories,
        published=published,
        updated=_date(e, "updated"),
        url=link,
        author=_author(e),
        language=language,
        videos=media.videos,
        duration=media.duration,
        tags=tags,
        valid_from=_date(e, "validity_start"),
        valid_until=_date(e, "validity_end"),
    )


def _itunes_image(e: Mapping, base: str) -> str:
    """An item's own ``itunes:image``, which feedparser keeps as ``image.href``."""
    image = e.get("image")
    return safe_url(image.get("href"), base) if isinstance(image, Mapping) else ""


def _link_is_a_relative_guid(e: Mapping, item: etree._Element | None) -> bool:
    """feedparser makes a permalink guid the link when there is none, resolving
    ``12345`` against the feed URL into an address that does not exist."""
    if item is None or not e.get("guidislink") or item.find("link") is not None:
        return False
    guid = item.find("guid")
    return guid is not None and not safe_url((guid.text or "").strip())


def _key(upstream_id: str, link: str, title: str, e: Mapping, body_html: str) -> str:
    """The guid/id as the publisher wrote it (feedparser resolves a relative permalink
    guid such as ``12345`` against the feed URL), else the link, else a hash."""
    key = upstream_id.strip() or link
    if key:
        return key
    seed = f"{title}\n{_own(e, 'published') or _own(e, 'updated') or ''}"
    if not seed.strip():
        seed = body_html
    return "sha256:" + hashlib.sha256(seed.encode("utf-8")).hexdigest()


def _as_html(detail: Mapping) -> str:
    value = detail.get("value") or ""
    if (detail.get("type") or "text/html").lower() in _HTML_TYPES:
        return value
    return "".join(f"<p>{html_lib.escape(part.strip())}</p>" for part in value.split("\n\n"))


def _summary_detail(e: Mapping) -> Mapping:
    return e.get("summary_detail") or {"value": e.get("summary"), "type": "text/html"}


def _summary_html(e: Mapping) -> str:
    return _as_html(_summary_detail(e))


def _source(e: Mapping, feed_url: str) -> tuple[str, str]:
    """The entry's fullest HTML (content, else summary) and the base its links are
    relative to (``xml:base`` or the feed URL)."""
    contents = [c for c in e.get("content") or [] if (c.get("value") or "").strip()]
    contents.sort(key=lambda c: (c.get("type") or "text/html").lower() not in _HTML_TYPES)
    detail = contents[0] if contents else _summary_detail(e)
    return _as_html(detail), safe_url(detail.get("base"), feed_url) or feed_url


def _author(e: Mapping) -> str:
    detail = e.get("author_detail") or {}
    return plain_text(detail.get("name") or e.get("author") or "")


def _own(e: Mapping, key: str) -> object:
    """``e[key]`` without FeedParserDict's deprecated fallback from ``updated`` to
    ``published``."""
    return dict.get(e, key) if isinstance(e, dict) else e.get(key)


def _date(e: Mapping, name: str) -> datetime | None:
    """The date as written, offset kept; feedparser's UTC struct when the text does not
    parse or carries no offset we can read."""
    parsed = _parse_date_text(str(_own(e, name) or ""))
    if parsed is not None and parsed.tzinfo is not None:
        return parsed
    struct = _own(e, f"{name}_parsed")
    if struct:
        try:
            return datetime.fromtimestamp(calendar.timegm(struct), tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            pass
    return parsed.replace(tzinfo=timezone.utc) if parsed is not None else None


def _parse_date_text(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed = None
    if parsed is not None and parsed.tzinfo is not None:
        return parsed
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return parsed


def _html_root(html: str) -> etree._Element | None:
    """The body of ``html`` parsed by lxml, without C0 controls (which lxml refuses in
    the attribute values that ``make_links_absolute`` writes) or our chunk separator."""
    html = _STRIPPED_CHARACTERS.sub("", html)
    if not html.strip():
        return None
    try:
        document = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    body = document.find("body")
    return body if body is not None else document


def _chunks(element: etree._Element, out: list[str]) -> None:
    """HTML fragments between block boundaries, serialised in document order."""
    run = [html_lib.escape(element.text or "")]
    for child in element:
        if isinstance(child.tag, str) and child.tag.lower() in _BLOCKS:
            out.append("".join(run))
            _chunks(child, out)
            run = [html_lib.escape(child.tail or "")]
        else:
            run.append(etree.tostring(child, method="html", encoding="unicode", with_tail=True))
    out.append("".join(run))


def _inner_html(element: etree._Element) -> str:
    return html_lib.escape(element.text or "") + "".join(
        etree.tostring(child, method="html", encoding="unicode", with_tail=True) for child in element)


def _paragraphs_of(root: etree._Element) -> list[str]:
    """One plain-text paragraph per block (``p``, ``li``, ``div``, a run between
    ``<br>``s...), so blocks do not run together the way they do when a whole document
    is flattened at once. The chunks are complete fragments, joined with a private-use
    character so that the sanitiser runs once per document, not once per chunk."""
    chunks: list[str] = []
    _chunks(root, chunks)
    text = plain_text(clean_html(_CHUNK_SEPARATOR.join(chunks)))
    return [p for part in text.split(_CHUNK_SEPARATOR) if (p := part.strip())]


def _body(html: str, base: str) -> tuple[str, list[str]]:
    """Sanitised HTML with absolute links, and its paragraphs, from one parse."""
    root = _html_root(html)
    if root is None:
        return "", []
    root.make_links_absolute(base, resolve_base_href=False, handle_failures="discard")
    return clean_html(_inner_html(root)), _paragraphs_of(root)


def paragraphs(html: str) -> list[str]:
    root = _html_root(html)
    return _paragraphs_of(root) if root is not None else []


def text_of(html: str) -> str:
    return " ".join(paragraphs(html))


def first_image(html: str, base: str) -> str:
    root = _html_root(html)
    if root is None:
        return ""
    for img in root.iter("img"):
        if url := safe_url(img.get("src"), base):
            return url
    return ""
