"""What a request carries, read within bounds: a body past its limit (with a
``Content-Length`` or chunked) is a JSON 413, never a truncated document read as if
it were whole; a bad number in the query is a 400 naming it."""
from __future__ import annotations

import orjson
from flask import abort, request
from werkzeug.exceptions import RequestEntityTooLarge

from feeds.store.checks import Invalid

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


def read_json(limit: int = MAX_BODY) -> object:
    """The body as JSON; ``Invalid`` (a 400 naming ``body``) when it is not."""
    try:
        return orjson.loads(read_body(limit))
    except orjson.JSONDecodeError:
        raise Invalid({"body": "must be JSON"}) from None


def int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise Invalid({name: f"must be a whole number from {low} to {high}"})
    return int(raw)
