"""Tools for the developers of the channel app: a feed validator and the schemas
it checks against."""
from __future__ import annotations

from importlib import resources

from flask import Blueprint, Response, abort, jsonify, request

from channel.inputs import read_body
from feeds.formats.validate_kind import validate_any

bp = Blueprint("tools", __name__)
MAX_DOCUMENT = 20 * 1024 * 1024
SCHEMAS = ("roku-feed.json", "roku-search.json", "jsonfeed.json", "google-datafeed.json")
NOT_JSON = "not valid JSON"


@bp.post("/tools/validate")
def validate():
    """A Roku JSON feed, Roku Search feed, JSON Feed or Google TV data feed in; whether
    it is valid, and each problem at its JSON pointer."""
    _, problems = validate_any(read_body(MAX_DOCUMENT))
    if len(problems) == 1 and not problems[0].path and problems[0].message.startswith(NOT_JSON):
        abort(400, problems[0].message)
    return jsonify({"valid": not problems,
                    "errors": [{"path": p.path, "message": p.message} for p in problems]})


@bp.get("/schemas/<name>")
def schema(name: str):
    if name not in SCHEMAS:
        abort(404, f"no schema {name!r}; there are: {', '.join(SCHEMAS)}")
    text = resources.files("feeds").joinpath("formats", "schemas", name).read_bytes()
    response = Response(text, content_type="application/schema+json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.add_etag()
    return response.make_conditional(request)
