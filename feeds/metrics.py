"""Prometheus metrics of the whole product. Under gunicorn or Celery's prefork
pool, set ``PROMETHEUS_MULTIPROC_DIR`` so that every process's counts are added up."""
from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

REFRESHES = Counter("channel_refreshes_total", "Source refreshes by source and status.",
                    ["source", "status"])
REFRESH_SECONDS = Histogram("channel_refresh_seconds", "How long a source refresh took.",
                            ["source"], buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))
PUBLISHES = Counter("channel_publishes_total", "Channel publishes by outcome.",
                    ["channel", "outcome"])
FEED_REQUESTS = Counter("channel_feed_requests_total",
                        "Requests for published feeds by format and status code.",
                        ["format", "status"])
CACHE_LOOKUPS = Counter("channel_cache_lookups_total",
                        "Snapshot lookups: hit (this process's copy is current), fetched "
                        "(a newer snapshot was read from Redis), store (read from the store: "
                        "Redis unreachable or without it), stale (Redis and the store "
                        "unreachable, served our last copy), miss (nothing published).", ["result"])
CONSOLE_SIGN_INS = Counter("channel_console_sign_ins_total",
                           "Sign-ins to the ops console by outcome: ok, or wrong_token (answered "
                           "after a delay).", ["outcome"])
WEBSUB_PUSHES = Counter("channel_websub_pushes_total",
                        "WebSub content distributions received, by outcome: accepted (a refresh was "
                        "asked for), coalesced (one was already waiting), bad_signature, "
                        "missing_signature, malformed_signature (answered 2xx, ignored), "
                        "source_disabled, unknown_subscription (answered 410), too_large (413), "
                        "enqueue_failed (503, the hub sends it again).", ["outcome"])
WEBSUB_VERIFICATIONS = Counter("channel_websub_verifications_total",
                               "WebSub hub requests at a callback (GET), by mode (subscribe, "
                               "unsubscribe, denied, other) and outcome: confirmed, recorded "
                               "(a denial) or refused (404).", ["mode", "outcome"])


def render() -> tuple[bytes, str]:
    """The exposition text, across processes when multiprocess mode is on."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = DEFAULT_REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST
