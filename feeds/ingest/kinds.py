"""What each kind of source yields: fetch it, parse it, return entries.

Returns ``None`` when the upstream says nothing changed (HTTP 304)."""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import Protocol

import requests

from feeds.errors import FeedError, ParseError
from feeds.ingest.article import parse_article
from feeds.ingest.fetch import Fetched, fetch
from feeds.ingest.rss import parse_feed
from feeds.model import Entry, Video

log = logging.getLogger(__name__)
HLS = "application/x-mpegURL"


class Source(Protocol):
    """What ingesting needs to know of a source: where, what kind, and what we
    were told last time (the store's ``Source`` row is one)."""

    kind: str
    url: str
    etag: str | None
    last_modified: str | None
    options: dict
    category: str
    title: str
    description: str
    thumbnail: str


def ingest(source: Source, http: requests.Session, allow_private: bool) -> tuple[Fetched, list[Entry] | None]:
    fetched = fetch(source.url, etag=source.etag, last_modified=source.last_modified,
                    allow_private=allow_private, session=http)
    if fetched.not_modified:
        return fetched, None
    entries = PARSERS[source.kind](source, fetched, http, allow_private)
    return fetched, [_with_category(entry, source.category) for entry in entries]


def _with_category(entry: Entry, category: str) -> Entry:
    if category and not entry.categories:
        return replace(entry, categories=[category])
    return entry


def _feed(source: Source, fetched: Fetched, http: requests.Session, allow_private: bool) -> list[Entry]:
    entries = parse_feed(fetched.body, fetched.url, fetched.content_type).entries
    if source.kind == "rss" and source.options.get("follow_links"):
        entries = [_follow(entry, http, allow_private) for entry in entries]
    return entries


def _follow(entry: Entry, http: requests.Session, allow_private: bool) -> Entry:
    """The feed entry completed with the article on its page. A page that cannot be
    had leaves the entry as the feed gave it: the feed is still worth storing."""
    if not entry.url:
        return entry
    try:
        page = fetch(entry.url, allow_private=allow_private, session=http)
        article = parse_article(page.body, page.url)
    except FeedError as exc:
        log.info("could not follow %s: %s", entry.url, exc.message)
        return entry
    return merge(entry, article)


def merge(entry: Entry, article: Entry) -> Entry:
    """The article's fields where it has them, the feed's identity and dates otherwise."""
    fields = {name: value for name, value in vars(article).items()
              if name not in ("key", "kind") and value}
    merged = replace(entry, **fields)
    if article.kind == "video" or article.videos:
        merged = replace(merged, kind="video" if article.duration else entry.kind)
    return merged


def _article(source: Source, fetched: Fetched, http: requests.Session, allow_private: bool) -> list[Entry]:
    return [parse_article(fetched.body, fetched.url)]


def _live(source: Source, fetched: Fetched, http: requests.Session, allow_private: bool) -> list[Entry]:
    if not fetched.body.lstrip().startswith(b"#EXTM3U"):
        got = fetched.content_type or "no content type"
        raise ParseError(f"not an HLS playlist: got {got}")
    return [Entry(key=source.url, kind="live", title=source.title or "Live",
                  summary=source.description, image_url=source.thumbnail, url=source.url,
                  categories=[source.category] if source.category else [],
                  videos=[Video(url=source.url, type=HLS)])]


PARSERS = {"rss": _feed, "mrss": _feed, "article": _article, "live": _live}
