"""The parts of an article page read from its markup rather than its metadata: the
breadcrumb trail as categories, ``<video>`` elements, the ``<time>`` of publication and
the byline (the lead image and its caption are in feeds.ingest.captions)."""
from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import lxml.etree
from lxml.html import HtmlElement

from feeds.ingest.structured import Structured, collapse, mime_type, parse_datetime, person
from feeds.model import Video
from feeds.text import word_count

MAX_CRUMBS = 8
_NAMING_ATTRIBUTES = lxml.etree.XPath(" | ".join(
    f"//@{name}[contains(., 'rumb') or contains(., 'RUMB')]"
    for name in ("class", "id", "aria-label", "itemtype")))
HOME = re.compile(
    r"^(.*\bhome|homepage|start|accueil|inicio|in\u00edcio|startseite|\u9996\u9801|\u9996\u9875)$",
    re.IGNORECASE)


def categories(doc: HtmlElement, meta: Structured, title: str) -> list[str]:
    """The breadcrumb trail without its "Home" and without the article itself."""
    crumbs = _page_breadcrumbs(doc) or meta.breadcrumbs
    if crumbs and (HOME.match(crumbs[0][0]) or _is_site_root(crumbs[0][1])):
        crumbs = crumbs[1:]
    names = [name for name, _ in crumbs]
    if names and names[-1] == title:
        names = names[:-1]
    return names or ([meta.section] if meta.section else [])


def _is_site_root(link: str) -> bool:
    return bool(link) and urlsplit(link).path in ("", "/")


def _page_breadcrumbs(doc: HtmlElement) -> list[tuple[str, str]]:
    named = (v.getparent() for v in _NAMING_ATTRIBUTES(doc) if "breadcrumb" in v.lower())
    trails = list(dict.fromkeys(t for t in named if t.tag != "a"))
    inner = {a for t in trails for a in t.iterancestors()}
    innermost = [t for t in trails if t not in inner]
    for trail in innermost:
        items = trail.xpath(".//li") or trail.xpath(".//a | .//span[not(.//a) and not(.//span)]")
        crumbs: dict[str, str] = {}
        for item in items:
            name = collapse(item.text_content())
            if re.search(r"\w", name):
                crumbs.setdefault(name, next((a.get("href", "") for a in item.iter("a")), ""))
        if 0 < len(crumbs) <= MAX_CRUMBS:
            return list(crumbs.items())
    return []


def page_videos(doc: HtmlElement, meta: Structured, url: str) -> list[Video]:
    """The videos of the metadata and of the ``<video>`` elements, one per URL."""
    merged: dict[str, Video] = {}
    for video in meta.videos + _video_elements(doc, url):
        known = merged.setdefault(video.url, video)
        known.type = known.type or video.type
        known.duration = known.duration or video.duration
        known.captions = known.captions or video.captions
    return list(merged.values())


def _video_elements(doc: HtmlElement, url: str) -> list[Video]:
    videos = []
    for element in doc.iter("video"):
        if any(a.tag in ("nav", "aside", "footer") for a in element.iterancestors()):
            continue
        sources = [(element.get("src"), element.get("type"))] + [
            (s.get("src"), s.get("type")) for s in element.iter("source")]
        tracks = _tracks(element, url)
        for src, mime in sources:
            if src and src.strip() and not src.startswith(("data:", "blob:")):
                link = urljoin(url, src.strip())
                videos.append(Video(url=link, type=(mime or "").strip() or mime_type(link),
                                    width=_int(element.get("width")),
                                    height=_int(element.get("height")),
                                    captions=[dict(t) for t in tracks]))
    return videos


def _tracks(element: HtmlElement, url: str) -> list[dict]:
    """``<track kind="captions|subtitles" src srclang>`` of a ``<video>``."""
    found = []
    for track in element.iter("track"):
        kind = (track.get("kind") or "subtitles").strip().lower()
        src = (track.get("src") or "").strip()
        if kind in ("captions", "subtitles") and src and not src.startswith(("data:", "blob:")):
            found.append({"url": urljoin(url, src), "language": (track.get("srclang") or "").strip(),
                          "kind": kind})
    return found


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def time_element(doc: HtmlElement) -> datetime | None:
    found = (parse_datetime(t.get("datetime")) for t in doc.xpath("//time[@datetime]"))
    return next(filter(None, found), None)


def byline(doc: HtmlElement) -> str:
    for element in doc.xpath('//*[@rel="author" or @itemprop="author"]'):
        named = element.xpath('.//*[@itemprop="name"]')
        source = named[0] if named else element
        name = person(source.get("content") or source.text_content())
        if name and word_count(name) <= 6:
            return name
    return ""
