"""Answering with a published snapshot: ETag and 304, pre-compressed gzip,
Last-Modified and caching headers that let a CDN keep serving through trouble."""
from __future__ import annotations

from email.utils import formatdate

from flask import Response, request

from feeds.snapshots import Snapshot

MAX_AGE = 60
CACHE_CONTROL = f"public, max-age={MAX_AGE}, stale-while-revalidate=300, stale-if-error=86400"


def etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def accepts_gzip(header: str | None) -> bool:
    return bool(header) and "gzip" in header


def snapshot_response(snapshot: Snapshot) -> Response:
    headers = {
        "ETag": snapshot.etag,
        "Last-Modified": formatdate(snapshot.published_at, usegmt=True),
        "Cache-Control": CACHE_CONTROL,
        "Vary": "Accept-Encoding",
    }
    if etag_matches(request.headers.get("If-None-Match"), snapshot.etag):
        return Response(status=304, headers=headers)
    body = snapshot.body
    if accepts_gzip(request.headers.get("Accept-Encoding")):
        body = snapshot.gzip
        headers["Content-Encoding"] = "gzip"
    return Response(body, status=200, headers=headers, content_type=snapshot.content_type)
