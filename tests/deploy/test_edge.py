"""The caching edge of deploy/nginx.conf, real nginx in front of the Procfile's web:
64 clients on a hot feed cost the origin a request or two per max-age; after a publish
the clients see the new ETag within max-age; with the origin stopped they still get
the last bytes."""
from __future__ import annotations

import http.client
import re
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest

from bench._procs import Edge, free_port, http_get, service_env, start_web, wait_for
from tests.conftest import ADMIN_TOKEN

pytestmark = pytest.mark.slow
MAX_AGE = 2
CLIENTS = 64
SECONDS = 20
FEED = "/feeds/demo/roku.json"
GZIP = {"Accept-Encoding": "gzip"}


def origin_requests(port: int) -> int:
    """Requests for the Roku feed the origin answered, across its gunicorn workers."""
    text = http_get(port, "/metrics")[2].decode()
    return sum(int(float(value)) for value in re.findall(
        r'^channel_feed_requests_total\{format="roku.json",status="\d+"\} (\S+)$', text, re.M))


def hammer(port: int, seconds: float, seen: Counter, stop: threading.Event) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not stop.is_set():
        conn.request("GET", FEED, headers=GZIP)
        response = conn.getresponse()
        response.read()
        seen[(response.status, response.getheader("ETag"))] += 1
    conn.close()


@pytest.fixture
def deployment(sqlite_url, tmp_path):
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    env = service_env(sqlite_url, None, CHANNEL_DEMO="1", WEB_CONCURRENCY="2",
                      CHANNEL_FEED_MAX_AGE=str(MAX_AGE), CHANNEL_ADMIN_TOKEN=ADMIN_TOKEN,
                      PROMETHEUS_MULTIPROC_DIR=str(metrics))
    demo = subprocess.run([sys.executable, "-m", "channel", "demo"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert demo.returncode == 0, demo.stderr[-2000:]
    port = free_port()
    web = start_web(env, port, tmp_path / "web.log")
    edge = Edge(tmp_path, port).start()
    yield web, port, edge
    edge.stop()
    web.stop()


def test_the_edge_absorbs_the_load_follows_publishes_and_outlives_the_origin(deployment):
    web, origin, edge = deployment
    first = http_get(edge.port, FEED, GZIP)
    assert first[0] == 200 and first[1]["Content-Encoding"] == "gzip"
    before = origin_requests(origin)

    seen, stop = Counter(), threading.Event()
    clients = [threading.Thread(target=hammer, args=(edge.port, SECONDS, seen, stop)) for _ in range(CLIENTS)]
    for client in clients:
        client.start()
    for client in clients:
        client.join(SECONDS + 30)
    asked = origin_requests(origin) - before
    statuses = Counter(status for status, _ in seen.elements())
    assert set(statuses) == {200} and sum(statuses.values()) > CLIENTS * 10, statuses
    assert asked <= 2 * (SECONDS / MAX_AGE + 1), f"{asked} origin requests for {sum(statuses.values())}"

    old = first[1]["ETag"]
    conn = http.client.HTTPConnection("127.0.0.1", origin, timeout=10)
    conn.request("PATCH", "/admin/api/channels/demo", body=b'{"provider_name": "Demo News at Ten"}',
                 headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"})
    assert conn.getresponse().status == 200
    conn.close()
    wait_for(lambda: http_get(origin, FEED, GZIP)[1]["ETag"] != old, 60, 0.1, "the origin to publish")
    published = time.monotonic()
    wait_for(lambda: http_get(edge.port, FEED, GZIP)[1]["ETag"] != old, 30, 0.1, "the edge to serve the new publish")
    assert time.monotonic() - published <= MAX_AGE + 3, "the edge kept the old feed past its max-age (and one revalidation)"
    latest = http_get(edge.port, FEED, GZIP)

    web.stop()
    wait_for(lambda: http_get(edge.port, FEED, GZIP)[1].get("X-Cache-Status") in ("STALE", "UPDATING"),
             MAX_AGE + 30, 0.2, "the cached copy to go stale")
    for _ in range(50):
        status, headers, body = http_get(edge.port, FEED, GZIP)
        assert (status, headers["ETag"], body) == (200, latest[1]["ETag"], latest[2])
