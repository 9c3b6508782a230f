"""The content model shared by every parser and builder.

An ``Entry`` is what a parser makes of one upstream thing (a feed item, an article
page, a video, a live stream) before it is stored. Parsers fill what they know and
leave the rest empty; the store turns entries into items.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

KINDS = ("article", "video", "live")


@dataclass
class Video:
    """One playable rendition. ``type`` is a MIME type when known (``video/mp4``,
    ``application/x-mpegURL``); ``width``/``height`` in pixels, ``bitrate`` in kbps,
    ``duration`` in whole seconds, ``size`` in bytes (Media RSS ``fileSize``, an
    enclosure's ``length``). ``captions``: the caption and subtitle files that go with
    it (``{"url", "language", "kind": "captions" | "subtitles"}``), from Media RSS
    ``media:subTitle`` or a ``<track>`` of its ``<video>``."""

    url: str
    type: str = ""
    width: int | None = None
    height: int | None = None
    bitrate: int | None = None
    duration: int | None = None
    size: int | None = None
    captions: list[dict] = field(default_factory=list)


@dataclass
class Entry:
    """One piece of content as parsed. ``key`` is its identity upstream: the guid,
    or the canonical URL when there is no guid. Datetimes are timezone-aware and keep
    the offset the publisher gave."""

    key: str
    kind: str = "article"
    title: str = ""
    summary: str = ""
    body: list[str] = field(default_factory=list)
    body_html: str = ""
    image_url: str = ""
    image_caption: str = ""
    categories: list[str] = field(default_factory=list)
    published: datetime | None = None
    updated: datetime | None = None
    url: str = ""
    author: str = ""
    language: str = ""
    videos: list[Video] = field(default_factory=list)
    duration: int | None = None
    tags: list[str] = field(default_factory=list)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
