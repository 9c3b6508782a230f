"""``GET /metrics`` for Prometheus, and the count of feed requests by status."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy.exc import SQLAlchemyError

from channel.context import backend
from channel.serving import FEED_NAMES
from feeds.metrics import FEED_REQUESTS, render
from feeds.store.health import StoreGauges

bp = Blueprint("metrics", __name__)
log = logging.getLogger("channel.metrics")


@bp.get("/metrics")
def metrics():
    """The counters of every process, then the store's gauges (left out, and logged,
    when the store does not answer: the counters still matter then)."""
    body, content_type = render()
    registry = CollectorRegistry()
    registry.register(StoreGauges(backend().Session))
    try:
        body += generate_latest(registry)
    except SQLAlchemyError as exc:
        log.warning("store gauges left out: %s", exc)
    return Response(body, content_type=content_type)


@bp.after_app_request
def count_feed_requests(response: Response) -> Response:
    if request.path.startswith("/feeds/"):
        fmt = request.path.rsplit("/", 1)[-1]
        fmt = fmt if fmt in FEED_NAMES else "other"
        FEED_REQUESTS.labels(format=fmt, status=str(response.status_code)).inc()
    return response
