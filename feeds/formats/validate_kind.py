"""Which feed a document is, so that one validator entry point checks either kind:
a Roku Search feed (``version`` and ``assets``) against the search schema, anything
else as a Roku JSON feed (Direct Publisher shape)."""
from __future__ import annotations

import orjson

from feeds.formats.validate import Problem, validate_bytes, validate_search_feed

ROKU = "roku"
SEARCH = "search"


def feed_kind(doc: object) -> str:
    if isinstance(doc, dict) and "assets" in doc and "version" in doc and "providerName" not in doc:
        return SEARCH
    return ROKU


def validate_any(data: bytes) -> tuple[str, list[Problem]]:
    """(kind, problems) of the feed in ``data``; bytes that are not JSON are reported as
    the Roku validator words it."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        return ROKU, validate_bytes(data)
    if feed_kind(doc) == SEARCH:
        return SEARCH, validate_search_feed(doc)
    return ROKU, validate_bytes(data)
