"""``GET /media/<digest>.jpg``: artwork the workers made (tiles, posters, title cards).

A file's address is the hash of its bytes, so it never changes: it is served as
immutable, and a process keeps the most recently served files in memory (up to
``CACHE_BYTES``) so that a popular tile costs no store read."""
from __future__ import annotations

import re
import threading
from collections import OrderedDict

from flask import Blueprint, Response, abort, request

from channel.context import backend
from channel.serving import etag_matches
from feeds.store.media import get_file

bp = Blueprint("media", __name__)
CACHE_CONTROL = "public, max-age=31536000, immutable"
CACHE_BYTES = 64 * 1024 * 1024
DIGEST = re.compile(r"[0-9a-f]{32}")


class FileCache:
    """The most recently served files, up to ``limit`` bytes in all."""

    def __init__(self, limit: int = CACHE_BYTES) -> None:
        self.limit, self.size = limit, 0
        self.files: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, digest: str) -> tuple[bytes, str] | None:
        with self.lock:
            found = self.files.get(digest)
            if found is not None:
                self.files.move_to_end(digest)
            return found

    def put(self, digest: str, body: bytes, content_type: str) -> None:
        with self.lock:
            if digest in self.files or len(body) > self.limit:
                return
            self.files[digest] = (body, content_type)
            self.size += len(body)
            while self.size > self.limit:
                _, (old, _) = self.files.popitem(last=False)
                self.size -= len(old)


CACHE = FileCache()


def _load(digest: str) -> tuple[bytes, str] | None:
    found = CACHE.get(digest)
    if found is None:
        with backend().Session() as session:
            row = get_file(session, digest)
            if row is None:
                return None
            found = (row.body, row.content_type)
        CACHE.put(digest, *found)
    return found


@bp.get("/media/<digest>.jpg")
def media_file(digest: str):
    if not DIGEST.fullmatch(digest):
        abort(404, "no such media file")
    headers = {"ETag": f'"{digest}"', "Cache-Control": CACHE_CONTROL}
    if etag_matches(request.headers.get("If-None-Match"), headers["ETag"]):
        return Response(status=304, headers=headers)
    found = _load(digest)
    if found is None:
        abort(404, f"no media file {digest}")
    body, content_type = found
    return Response(body, status=200, content_type=content_type, headers=headers)
