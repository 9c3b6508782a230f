"""Which feed a document is, so that one validator entry point checks any kind:
a JSON Feed (``version`` naming jsonfeed.org) against the JSON Feed schema, a Google
TV data feed (``@type`` DataFeed) against the Media Actions schema, a Roku Search feed
(``version`` and ``assets``) against the search schema, anything else as a Roku JSON
feed (Direct Publisher shape)."""
from __future__ import annotations

import orjson

from feeds.formats.validate import Problem, validate_bytes, validate_search_feed
from feeds.formats.validate_more import validate_google_feed, validate_json_feed

ROKU = "roku"
SEARCH = "search"
JSON_FEED = "jsonfeed"
GOOGLE = "google"
JSON_FEED_VERSIONS = "https://jsonfeed.org/version/"
NAMES = {ROKU: "Roku feed", SEARCH: "Roku Search feed", JSON_FEED: "JSON Feed", GOOGLE: "Google TV data feed"}


def feed_kind(doc: object) -> str:
    if isinstance(doc, dict):
        version = doc.get("version")
        if isinstance(version, str) and version.startswith(JSON_FEED_VERSIONS):
            return JSON_FEED
        if doc.get("@type") == "DataFeed":
            return GOOGLE
        if "assets" in doc and "version" in doc and "providerName" not in doc:
            return SEARCH
    return ROKU


def validate_any(data: bytes) -> tuple[str, list[Problem]]:
    """(kind, problems) of the feed in ``data``; bytes that are not JSON are reported as
    the Roku validator words it."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        return ROKU, validate_bytes(data)
    kind = feed_kind(doc)
    if kind == JSON_FEED:
        return kind, validate_json_feed(doc)
    if kind == GOOGLE:
        return kind, validate_google_feed(doc)
    if kind == SEARCH:
        return kind, validate_search_feed(doc)
    return ROKU, validate_bytes(data)
