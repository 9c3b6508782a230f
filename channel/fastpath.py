"""The hot path: a box asking for a published feed is answered here, in front of
Flask, from the snapshot's bytes and headers, built once per snapshot.

Anything else, or a feed with nothing published yet, goes on to the Flask app
(which builds and publishes a missing snapshot once)."""
from __future__ import annotations

from typing import Callable, Iterable

from channel.serving import FEED_NAMES, accepts_gzip, etag_matches, snapshot_headers
from feeds.metrics import FEED_REQUESTS
from feeds.snapshots import Snapshot

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class FeedFastPath:
    def __init__(self, app: WSGIApp, snapshots) -> None:
        self.app = app
        self.snapshots = snapshots
        self._headers: dict[tuple[str, bool], list[tuple[str, str]]] = {}
        self._counters = {}

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/feeds/") and environ["REQUEST_METHOD"] in ("GET", "HEAD"):
            parts = path.split("/")
            if len(parts) == 4 and parts[3] in FEED_NAMES:
                snapshot = self.snapshots.get(parts[2], parts[3])
                if snapshot is not None:
                    return self.serve(snapshot, parts[3], environ, start_response)
        return self.app(environ, start_response)

    def serve(self, snapshot: Snapshot, name: str, environ: dict,
              start_response: Callable) -> Iterable[bytes]:
        condition = environ.get("HTTP_IF_NONE_MATCH")
        if condition and (condition == snapshot.etag or etag_matches(condition, snapshot.etag)):
            self._count(name, "304")
            start_response("304 Not Modified", self._header_list(snapshot, None))
            return [b""]
        zipped = accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
        body = snapshot.gzip if zipped else snapshot.body
        self._count(name, "200")
        start_response("200 OK", self._header_list(snapshot, zipped))
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]

    def _header_list(self, snapshot: Snapshot, zipped: bool | None) -> list[tuple[str, str]]:
        key = (snapshot.etag, zipped)
        headers = self._headers.get(key)
        if headers is None:
            if len(self._headers) > 256:
                self._headers.clear()
            headers = list(snapshot_headers(snapshot, zipped).items())
            self._headers[key] = headers
        return list(headers)

    def _count(self, name: str, status: str) -> None:
        counter = self._counters.get((name, status))
        if counter is None:
            counter = self._counters[(name, status)] = FEED_REQUESTS.labels(format=name, status=status)
        counter.inc()
