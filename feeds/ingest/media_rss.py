"""Media RSS, enclosures and iTunes durations: what is playable in an entry.

feedparser flattens every ``media:content`` of an item into one list (losing which
``media:group`` each belongs to) and folds ``media:title``/``media:description`` into
the entry's own title and summary, so the MRSS elements are read from the raw item
when we have it; feedparser's flattened view is the fallback.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml import etree

from feeds.ingest.sanitize import plain_text
from feeds.model import Video

MRSS_NAMESPACES = ("http://search.yahoo.com/mrss/", "http://search.yahoo.com/mrss")
HLS = "application/x-mpegURL"
DASH = "application/dash+xml"
SMOOTH = "application/vnd.ms-sstr+xml"

_HLS_ALIASES = {"application/x-mpegurl", "application/vnd.apple.mpegurl",
                "audio/mpegurl", "audio/x-mpegurl"}
_STREAM_TYPES = {HLS, DASH, SMOOTH}
_VIDEO_EXTENSIONS = {"m3u8": HLS, "mpd": DASH, "mp4": "video/mp4", "m4v": "video/x-m4v",
                     "mov": "video/quicktime", "ism": SMOOTH}
_IMAGE_EXTENSIONS = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
                     "gif": "image/gif", "webp": "image/webp"}
_EXTENSION = re.compile(r"\.([a-z0-9]{2,5})(?:l?/manifest)?/?$")
_NOT_VIDEO_MEDIUMS = {"image", "audio", "document", "executable"}
_ITUNES_SCHEME = "http://www.itunes.com/"
_URL_SCHEMES = {"http", "https"}


@dataclass
class Media:
    videos: list[Video] = field(default_factory=list)
    duration: int | None = None
    image: str = ""
    title: str = ""
    description: str = ""


def safe_url(href: str | None, base: str = "") -> str:
    """``href`` made absolute against ``base``; empty unless it is http(s)."""
    if not href:
        return ""
    try:
        url = urljoin(base, href.strip())
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme.lower() in _URL_SCHEMES and parts.netloc else ""


def parse_duration(text: str | None) -> int | None:
    """Seconds from ``3723``, ``62:03`` or ``1:02:03`` (fractions rounded)."""
    if not text:
        return None
    parts = text.strip().split(":")
    if len(parts) > 3:
        return None
    seconds = 0.0
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            return None
        if not math.isfinite(value) or value < 0:
            return None
        seconds = seconds * 60 + value
    return round(seconds)


def _positive_int(text: str | None) -> int | None:
    try:
        value = float(text) if text else 0.0
    except ValueError:
        return None
    return round(value) if math.isfinite(value) and value > 0 else None


def _extension(url: str) -> str:
    match = _EXTENSION.search(urlsplit(url).path.lower())
    return match.group(1) if match else ""


def media_type(declared: str | None, url: str) -> str:
    """The declared MIME type, canonical for streams, else one inferred from the URL."""
    declared = (declared or "").split(";")[0].strip().lower()
    if declared in _HLS_ALIASES:
        return HLS
    if declared and declared not in {"application/octet-stream", "binary/octet-stream"}:
        return declared
    ext = _extension(url)
    return _VIDEO_EXTENSIONS.get(ext) or _IMAGE_EXTENSIONS.get(ext, "")


def _is_video(mime: str, medium: str) -> bool:
    if medium in _NOT_VIDEO_MEDIUMS:
        return False
    return medium == "video" or mime.startswith("video/") or mime in _STREAM_TYPES


def _is_image(mime: str, medium: str) -> bool:
    return medium == "image" or (not medium and mime.startswith("image/"))


def _video(attrs: Mapping[str, str], base: str) -> Video | None:
    url = safe_url(attrs.get("url") or attrs.get("href"), base)
    mime = media_type(attrs.get("type"), url)
    if not url or not _is_video(mime, (attrs.get("medium") or "").strip().lower()):
        return None
    return Video(url=url, type=mime, width=_positive_int(attrs.get("width")),
                 height=_positive_int(attrs.get("height")),
                 bitrate=_positive_int(attrs.get("bitrate")),
                 duration=parse_duration(attrs.get("duration")),
                 size=_positive_int(attrs.get("fileSize") or attrs.get("filesize") or attrs.get("length")))


def _videos(contents: Iterable[Mapping[str, str]], base: str) -> list[Video]:
    ordered = sorted(contents, key=lambda a: (a.get("isDefault") or "").lower() != "true")
    videos: list[Video] = []
    for attrs in ordered:
        video = _video(attrs, base)
        if video and all(video.url != seen.url for seen in videos):
            videos.append(video)
    return videos


def _area(attrs: Mapping[str, str]) -> int:
    return (_positive_int(attrs.get("width")) or 0) * (_positive_int(attrs.get("height")) or 0)


def _largest_image(candidates: Iterable[Mapping[str, str]], base: str) -> str:
    usable = [a for a in candidates if safe_url(a.get("url") or a.get("href"), base)]
    if not usable:
        return ""
    best = max(usable, key=_area)
    return safe_url(best.get("url") or best.get("href"), base)


def _images(contents: Iterable[Mapping[str, str]], base: str) -> list[Mapping[str, str]]:
    found = []
    for attrs in contents:
        url = attrs.get("url") or attrs.get("href") or ""
        medium = (attrs.get("medium") or "").strip().lower()
        if _is_image(media_type(attrs.get("type"), safe_url(url, base)), medium):
            found.append(attrs)
    return found


def _best_image(thumbnails: list[Mapping[str, str]], contents: list[Mapping[str, str]],
                base: str) -> str:
    return _largest_image(thumbnails, base) or _largest_image(_images(contents, base), base)


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for ns in MRSS_NAMESPACES for child in element.findall(f"{{{ns}}}{name}")]


def _first_text(scopes: Iterable[etree._Element], name: str) -> str:
    for scope in scopes:
        for child in _children(scope, name):
            text = plain_text("".join(child.itertext()))
            if text:
                return text
    return ""


def _enclosures(entry: Mapping) -> list[Mapping[str, str]]:
    return [link for link in entry.get("enclosures") or [] if isinstance(link, Mapping)]


def _finish(media: Media, entry: Mapping) -> Media:
    media.duration = next((v.duration for v in media.videos if v.duration), None) \
        or parse_duration(entry.get("itunes_duration"))
    for video in media.videos:
        video.duration = video.duration or media.duration
    return media


def from_item(item: etree._Element, entry: Mapping, base: str) -> Media:
    """Media of one raw ``<item>``/``<entry>``: every rendition of every group, the
    largest thumbnail, and the media title/description from the item, a group or a
    content element, in that order."""
    groups = _children(item, "group")
    contents = _children(item, "content") + [c for g in groups for c in _children(g, "content")]
    scopes = [item, *groups, *contents]
    attrs = [dict(c.attrib) for c in contents]
    thumbs = [dict(t.attrib) for s in scopes for t in _children(s, "thumbnail")]
    enclosures = _enclosures(entry)
    return _finish(Media(
        videos=_with_captions(_videos([*attrs, *enclosures], base), _subtitles(scopes, base)),
        image=_best_image(thumbs, [*attrs, *enclosures], base),
        title=_first_text(scopes, "title"),
        description=_first_text(scopes, "description"),
    ), entry)


def _subtitles(scopes: Iterable[etree._Element], base: str) -> list[dict]:
    """``media:subTitle href lang`` of the item, its groups and contents, once each."""
    found: dict[str, dict] = {}
    for scope in scopes:
        for element in _children(scope, "subTitle"):
            url = safe_url(element.get("href"), base)
            if url:
                found.setdefault(url, {"url": url, "language": (element.get("lang") or "").strip(),
                                       "kind": "subtitles"})
    return list(found.values())


def _with_captions(videos: list[Video], captions: list[dict]) -> list[Video]:
    for video in videos:
        video.captions = [dict(c) for c in captions]
    return videos


def from_entry(entry: Mapping, base: str) -> Media:
    """Media from feedparser's flattened view, when the raw item is not at hand."""
    contents = [c for c in entry.get("media_content") or [] if isinstance(c, Mapping)]
    thumbs = [t for t in entry.get("media_thumbnail") or [] if isinstance(t, Mapping)]
    enclosures = _enclosures(entry)
    return _finish(Media(
        videos=_videos([*contents, *enclosures], base),
        image=_best_image(thumbs, [*contents, *enclosures], base),
    ), entry)


def read_media(entry: Mapping, item: etree._Element | None, base: str) -> Media:
    return from_item(item, entry, base) if item is not None else from_entry(entry, base)


def split_tags(entry: Mapping) -> tuple[list[str], list[str]]:
    """(categories, keywords) from feedparser's tags, which mix ``<category>``, Atom
    categories and ``media:category`` with ``media:keywords`` (added without a scheme,
    one tag per keyword) and ``itunes:keywords``."""
    raw_keywords = [k.strip() for k in (entry.get("media_keywords") or "").split(",")]
    pending = Counter(k for k in raw_keywords if k)
    keywords = [plain_text(k) for k in raw_keywords]
    categories = []
    for tag in entry.get("tags") or []:
        term = tag.get("term") or ""
        value = plain_text(tag.get("label") or term)
        if tag.get("scheme") == _ITUNES_SCHEME:
            keywords.append(value)
        elif not tag.get("scheme") and pending[term.strip()] > 0:
            pending[term.strip()] -= 1
        else:
            categories.append(value)
    return _dedupe(categories), _dedupe(keywords)


def _dedupe(values: Iterable[str]) -> list[str]:
    return [v for v in dict.fromkeys(values) if v]
