"""Answering with a published snapshot: ETag and 304, pre-compressed gzip,
Last-Modified and caching headers that let a CDN keep serving through trouble."""
from __future__ import annotations

import os
from email.utils import formatdate

from flask import Response, request
from werkzeug.http import parse_accept_header

from feeds.snapshots import Snapshot

FEED_NAMES = {"roku.json", "mrss.xml", "search.json", "feed.json", "google.json"}
MAX_AGE = int(os.environ.get("CHANNEL_FEED_MAX_AGE") or 60)
"""How long a box or an edge may keep a feed before asking again (seconds)."""
CACHE_CONTROL = f"public, max-age={MAX_AGE}, stale-while-revalidate=300, stale-if-error=86400"


def etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def snapshot_headers(snapshot: Snapshot, zipped: bool | None) -> dict[str, str]:
    """The headers of a 200 (``zipped`` says which body) or, with ``None``, of a 304."""
    headers = {
        "ETag": snapshot.etag,
        "Last-Modified": formatdate(snapshot.published_at, usegmt=True),
        "Cache-Control": CACHE_CONTROL,
        "Vary": "Accept-Encoding",
    }
    if zipped is not None:
        headers["Content-Type"] = snapshot.content_type
        body = snapshot.gzip if zipped else snapshot.body
        headers["Content-Length"] = str(len(body))
        if zipped:
            headers["Content-Encoding"] = "gzip"
    return headers


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether ``Accept-Encoding`` takes gzip: named (or ``*``) without ``q=0``. The
    common headers (``gzip, deflate, br``) are read without parsing: with no ``q=``
    at all, gzip or a ``*`` anywhere in the list takes it."""
    value = accept_encoding.lower()
    if "q=" not in value:
        return "gzip" in value or "*" in value
    return parse_accept_header(value).quality("gzip") > 0


def snapshot_response(snapshot: Snapshot) -> Response:
    if etag_matches(request.headers.get("If-None-Match"), snapshot.etag):
        return Response(status=304, headers=snapshot_headers(snapshot, None))
    zipped = accepts_gzip(request.headers.get("Accept-Encoding", ""))
    headers = snapshot_headers(snapshot, zipped)
    return Response(snapshot.gzip if zipped else snapshot.body, status=200, headers=headers)
