"""A small WebSub hub for the tests: a threaded HTTP server on a free local port.

It takes subscription requests (form POSTs), answers 202, then verifies the
subscriber's intent on a thread of its own, as a real hub does: a GET to the callback
with ``hub.challenge`` and the lease it grants, the subscription kept only when the
challenge comes back. ``publish`` then sends a topic's content to its subscribers,
signed with their secret (or not, or wrongly). ``close`` makes it stop answering."""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import requests

from feeds.ingest.websub import sign


@dataclass
class Subscription:
    callback: str
    topic: str
    secret: str
    lease: int
    verified_at: float


@dataclass
class Request:
    at: float
    form: dict[str, str]


@dataclass
class Verification:
    at: float
    callback: str
    status: int
    confirmed: bool


class Hub:
    def __init__(self, lease_seconds: int | None = None):
        """``lease_seconds``: the lease this hub grants, whatever was asked (its policy)."""
        self.lease_seconds = lease_seconds
        self.requests: list[Request] = []
        self.verifications: list[Verification] = []
        self.subscriptions: dict[tuple[str, str], Subscription] = {}
        self.lock = threading.Lock()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                status = hub.take(form)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.closed = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hub"
        self.thread = threading.Thread(target=self.server.serve_forever, name="test-hub", daemon=True)
        self.thread.start()

    def take(self, form: dict[str, str]) -> int:
        with self.lock:
            self.requests.append(Request(time.time(), form))
        if form.get("hub.mode") != "subscribe" or not form.get("hub.callback") or not form.get("hub.topic"):
            return 400
        threading.Thread(target=self.verify, args=(form,), daemon=True).start()
        return 202

    def verify(self, form: dict[str, str]) -> None:
        lease = self.lease_seconds or int(form.get("hub.lease_seconds") or 864000)
        challenge = secrets.token_urlsafe(16)
        at = time.time()
        response = requests.get(form["hub.callback"], timeout=10, params={
            "hub.mode": "subscribe", "hub.topic": form["hub.topic"], "hub.challenge": challenge,
            "hub.lease_seconds": str(lease)})
        confirmed = response.status_code == 200 and response.text == challenge
        with self.lock:
            self.verifications.append(Verification(at, form["hub.callback"], response.status_code, confirmed))
            if confirmed:
                key = (form["hub.topic"], form["hub.callback"])
                self.subscriptions[key] = Subscription(form["hub.callback"], form["hub.topic"],
                                                       form.get("hub.secret", ""), lease, at)

    def subscription(self, topic: str) -> Subscription | None:
        with self.lock:
            found = [s for s in self.subscriptions.values() if s.topic == topic]
        return found[-1] if found else None

    def publish(self, topic: str, body: bytes, *, signature: str = "good", method: str = "sha1",
                content_type: str = "application/rss+xml") -> list[int]:
        """POST ``body`` to every subscriber of ``topic``: ``signature`` ``good`` (the
        subscriber's secret), ``wrong`` (another secret) or ``none``. Their statuses."""
        statuses = []
        with self.lock:
            targets = [s for s in self.subscriptions.values() if s.topic == topic]
        for target in targets:
            headers = {"Content-Type": content_type,
                       "Link": f'<{self.url}>; rel="hub", <{topic}>; rel="self"'}
            if signature == "good":
                headers["X-Hub-Signature"] = sign(target.secret, body, method)
            elif signature == "wrong":
                headers["X-Hub-Signature"] = sign(target.secret + "x", body, method)
            response = requests.post(target.callback, data=body, headers=headers, timeout=10)
            statuses.append(response.status_code)
        return statuses

    def subscribe_requests(self) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.form.get("hub.mode") == "subscribe"]

    def close(self) -> None:
        """Stop answering: the port is closed, a request to it is refused."""
        if self.closed:
            return
        self.closed = True
        self.server.shutdown()
        self.server.server_close()
