"""The parts of an article page read from its markup rather than its metadata: the lead
image and its caption, the breadcrumb trail as categories, ``<video>`` elements, the
``<time>`` of publication and the byline."""
from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml.html import HtmlElement

from feeds.ingest.sanitize import plain_text
from feeds.ingest.structured import Structured, collapse, mime_type, parse_datetime, person
from feeds.model import Video
from feeds.text import word_count

MAX_CRUMBS = 8
HOME = re.compile(
    r"^(.*\bhome|homepage|start|accueil|inicio|in\u00edcio|startseite|\u9996\u9801|\u9996\u9875)$",
    re.IGNORECASE)


def lead_image(doc: HtmlElement, meta: Structured, url: str) -> tuple[str, str]:
    """og:image or the JSON-LD image, captioned by the figure showing it; else the
    first figure of the article."""
    figures = [f for f in doc.iter("figure") if _image_src(f)]
    if meta.image:
        name = _file_name(meta.image)
        match = next((f for f in figures if _file_name(_image_src(f)) == name), None)
        return meta.image, _caption(match) if match is not None else ""
    container = next(iter(doc.xpath("//article | //main")), doc)
    for figure in figures:
        if container is doc or container in figure.iterancestors():
            return urljoin(url, _image_src(figure)), _caption(figure)
    return "", ""


def _image_src(figure: HtmlElement) -> str:
    img = next(figure.iter("img"), None)
    if img is None:
        return ""
    src = (img.get("data-src") or img.get("src") or "").strip()
    srcset = (img.get("srcset") or img.get("data-srcset") or "").strip()
    if (not src or src.startswith("data:")) and srcset:
        src = srcset.split(",")[0].split()[0]
    return "" if src.startswith("data:") else src


def _file_name(link: str) -> str:
    return link.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1].lower()


def _caption(figure: HtmlElement) -> str:
    caption = next(figure.iter("figcaption"), None)
    return "" if caption is None else plain_text(lxml.html.tostring(caption, encoding="unicode"))


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
    named = " or ".join(f'contains(translate({a}, "BREADCRUMB", "breadcrumb"), "breadcrumb")'
                        for a in ("@class", "@id", "@aria-label"))
    trails = doc.xpath(f'//*[not(self::a) and ({named} or contains(@itemtype, "BreadcrumbList"))]')
    innermost = [t for t in trails if not any(o in trails for o in t.iterdescendants())]
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
    return list(merged.values())


def _video_elements(doc: HtmlElement, url: str) -> list[Video]:
    videos = []
    for element in doc.iter("video"):
        if any(a.tag in ("nav", "aside", "footer") for a in element.iterancestors()):
            continue
        sources = [(element.get("src"), element.get("type"))] + [
            (s.get("src"), s.get("type")) for s in element.iter("source")]
        for src, mime in sources:
            if src and src.strip() and not src.startswith(("data:", "blob:")):
                link = urljoin(url, src.strip())
                videos.append(Video(url=link, type=(mime or "").strip() or mime_type(link),
                                    width=_int(element.get("width")),
                                    height=_int(element.get("height"))))
    return videos


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
