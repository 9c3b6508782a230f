"""Request bodies, read within a limit whatever the client sends: with a
``Content-Length`` or chunked, a body past the limit is a JSON 413, never a
truncated document read as if it were whole."""
from __future__ import annotations

from flask import abort, request
from werkzeug.exceptions import RequestEntityTooLarge

MAX_BODY = 1024 * 1024


def read_body(limit: int = MAX_BODY) -> bytes:
    """The body, at most ``limit`` bytes held in memory. Werkzeug stops a chunked
    body at the limit without saying so: one byte more is read to tell."""
    request.max_content_length = limit + 1
    try:
        body = request.get_data(cache=True)
    except RequestEntityTooLarge:
        body = None
    if body is None or len(body) > limit:
        abort(413, f"the body must be at most {_size(limit)}")
    return body


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
