"""``GET /metrics`` for Prometheus, and the count of feed requests by status."""
from __future__ import annotations

from flask import Blueprint, Response, request

from channel.serving import FEED_NAMES
from feeds.metrics import FEED_REQUESTS, render

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics():
    body, content_type = render()
    return Response(body, content_type=content_type)


@bp.after_app_request
def count_feed_requests(response: Response) -> Response:
    if request.path.startswith("/feeds/"):
        fmt = request.path.rsplit("/", 1)[-1]
        fmt = fmt if fmt in FEED_NAMES else "other"
        FEED_REQUESTS.labels(format=fmt, status=str(response.status_code)).inc()
    return response
