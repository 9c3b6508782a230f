"""WebSub end to end: the web app served over HTTP (the hub must reach its callback),
a real Celery worker and beat on Redis and PostgreSQL, a local upstream whose feed
advertises a local hub (``tests/workers/hub.py``).

The feed's hub is found and subscribed with the hub's lease; a signed push puts the
new story in the published feed at once (the source's interval is an hour), a push
unsigned or wrongly signed changes nothing; the lease is renewed before it ends;
while the hub pushes the source is polled far less often, and once the hub stops
answering and the lease runs out it is polled on its own schedule again."""
from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select
from werkzeug import Response
from werkzeug.serving import make_server

from channel import create_app
from feeds.dates import utcnow
from feeds.store.tables import Run, Source
from tests.conftest import make_settings
from tests.workers.conftest import REPO, wait_for
from tests.workers.hub import Hub
from tests.workers.test_celery import AUTH, add_source, mrss, roku_titles

pytestmark = pytest.mark.slow


def advertising(body: str, hub: str, topic: str) -> str:
    """An MRSS feed that names its hub and its topic (``atom:link`` in the channel)."""
    return (body.replace('<rss version="2.0"', '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"')
            .replace("<channel><title>Clips</title>",
                     f'<channel><title>Clips</title><atom:link rel="hub" href="{hub}"/>'
                     f'<atom:link rel="self" href="{topic}"/>'))


class Upstream:
    """The publisher's feed, its content changed at will."""

    def __init__(self, server, hub: Hub, path: str = "/clips.xml"):
        self.url = server.url_for(path)
        self.hub = hub
        self.count = 1
        server.expect_request(path).respond_with_handler(self.handle)

    def body(self) -> bytes:
        return advertising(mrss(self.count), self.hub.url, self.url).encode()

    def handle(self, request):
        return Response(self.body(), content_type="application/rss+xml")


class Live:
    """The web app on a real port (werkzeug's threaded server), its test client for the
    admin API, and the worker and beat processes started for it."""

    def __init__(self, worker_env, start_worker, tmp_path, monkeypatch):
        self.env, self.start_worker, self.tmp_path = worker_env, start_worker, tmp_path
        self.app = create_app(make_settings(worker_env["DATABASE_URL"], redis_url=worker_env["REDIS_URL"]))
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}/"
        worker_env["CHANNEL_PUBLIC_URL"] = self.base
        monkeypatch.setenv("CHANNEL_PUBLIC_URL", self.base)
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-web", daemon=True)
        self.thread.start()
        self.client = self.app.test_client()
        self.backend = self.app.extensions["backend"]
        self.beat = None

    def run(self) -> None:
        """A worker and beat ticking every half second."""
        self.start_worker()
        self.beat = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers.celery_app", "beat", "--loglevel=INFO",
             f"--schedule={self.tmp_path / 'beat-schedule'}"],
            cwd=REPO, env={**self.env, "CHANNEL_TICK_SECONDS": "0.5"},
            stdout=(self.tmp_path / "beat.log").open("wb"), stderr=subprocess.STDOUT)

    def websub(self, source_id: int) -> dict:
        response = self.client.get(f"/admin/api/sources/{source_id}/websub", headers=AUTH)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def runs(self, source_id: int) -> list[Run]:
        with self.backend.Session() as session:
            return list(session.scalars(select(Run).where(Run.source_id == source_id).order_by(Run.id)))

    def stop(self) -> None:
        if self.beat is not None:
            self.beat.terminate()
            self.beat.wait(10)
        self.server.shutdown()
        self.server.server_close()
        self.app.extensions["backend"].close()


@pytest.fixture
def live(worker_env, start_worker, tmp_path, monkeypatch):
    running = Live(worker_env, start_worker, tmp_path, monkeypatch)
    yield running
    running.stop()


@pytest.fixture
def hub():
    made: list[Hub] = []

    def make(lease_seconds: int | None = None) -> Hub:
        made.append(Hub(lease_seconds))
        return made[-1]
    yield make
    for each in made:
        each.close()


def metric(live: Live, outcome: str) -> float:
    text = live.client.get("/metrics").get_data(as_text=True)
    prefix = f'channel_websub_pushes_total{{outcome="{outcome}"}} '
    return next((float(line[len(prefix):]) for line in text.splitlines() if line.startswith(prefix)), 0.0)


def test_a_signed_push_publishes_the_new_story_at_once_and_a_bad_one_changes_nothing(live, hub, upstream):
    the_hub = hub(lease_seconds=3600)
    feed = Upstream(upstream, the_hub)
    source_id = add_source(live.client, feed.url)  # every hour
    live.run()

    wait_for(lambda: roku_titles(live.client) == {"clip 0"}, timeout=60, what="the first poll published")
    state = wait_for(lambda: (s := live.websub(source_id))["state"] == "active" and s, timeout=60,
                     what="the subscription verified by the hub")
    assert (state["hub"], state["topic"], state["lease_seconds"]) == (the_hub.url, feed.url, 3600)
    assert state["callback"].startswith(live.base + "websub/")
    [asked] = the_hub.subscribe_requests()
    assert asked.form["hub.topic"] == feed.url and asked.form["hub.callback"] == state["callback"]
    assert asked.form["hub.lease_seconds"] == str(10 * 86400) and len(asked.form["hub.secret"]) >= 32
    assert wait_for(lambda: the_hub.subscription(feed.url)).callback == state["callback"]

    refused = requests.get(state["callback"], params={"hub.mode": "subscribe", "hub.topic": feed.url + "?x",
                                                      "hub.challenge": "hello", "hub.lease_seconds": "60"})
    assert refused.status_code == 404
    assert live.websub(source_id)["lease_seconds"] == 3600, "a refused verification changes nothing"
    assert requests.post(live.base + "websub/" + "x" * 32, data=b"<rss/>").status_code == 410

    feed.count = 2
    runs_before = len(live.runs(source_id))
    bad_before, missing_before = metric(live, "bad_signature"), metric(live, "missing_signature")
    assert the_hub.publish(feed.url, feed.body(), signature="wrong") == [202]
    assert the_hub.publish(feed.url, feed.body(), signature="none") == [202]
    assert len(live.runs(source_id)) == runs_before, "no refresh was asked for"
    shown = live.websub(source_id)
    assert (shown["rejected_pushes"], shown["pushes"], shown["last_push"]) == (2, 0, None)
    assert metric(live, "bad_signature") == bad_before + 1
    assert metric(live, "missing_signature") == missing_before + 1
    assert roku_titles(live.client) == {"clip 0"}

    accepted_before = metric(live, "accepted")
    assert the_hub.publish(feed.url, feed.body(), signature="good", method="sha256") == [202]
    # The callback queues the refresh before it answers: the push's run, and no poll's
    # (the source's interval is an hour), is what brings the new story.
    [pushed] = live.runs(source_id)[runs_before:]
    wait_for(lambda: roku_titles(live.client) == {"clip 0", "clip 1"}, timeout=60,
             what="the pushed story in the published feed")
    after = live.runs(source_id)[runs_before:]
    assert [(run.id, run.status, run.new) for run in after] == [(pushed.id, "ok", 1)]
    shown = live.websub(source_id)
    assert shown["pushes"] == 1 and shown["last_push"] and metric(live, "accepted") == accepted_before + 1
    listed = live.client.get("/admin/api/websub", headers=AUTH).get_json()["subscriptions"]
    assert [(s["source"], s["state"]) for s in listed] == [(source_id, "active")]


def test_the_lease_is_renewed_before_it_ends_and_a_quiet_hub_falls_back_to_polling(live, hub, upstream,
                                                                                    worker_env):
    lease = 12
    worker_env["CHANNEL_WEBSUB_POLL_FACTOR"] = "100"
    the_hub = hub(lease_seconds=lease)
    feed = Upstream(upstream, the_hub)
    source_id = add_source(live.client, feed.url)
    live.run()
    wait_for(lambda: live.websub(source_id)["state"] == "active", timeout=60, what="the subscription")
    first = wait_for(lambda: the_hub.subscription(feed.url), what="the hub to keep the subscription")
    assert first.lease == lease

    # The source wants polling every 2 s now (below what ops may set; written here).
    changed_at = utcnow()
    with live.backend.Session() as session:
        source = session.get(Source, source_id)
        source.every, source.next_due = 2, changed_at
        session.commit()
    polls_before = len(live.runs(source_id))

    renewal = wait_for(lambda: (r := the_hub.subscribe_requests())[1:] and r[1], timeout=lease + 10,
                       what="the renewal at the hub")
    assert renewal.at < first.verified_at + lease, "renewed before the lease ended"
    assert renewal.form["hub.callback"] == first.callback and renewal.form["hub.topic"] == feed.url
    wait_for(lambda: the_hub.subscription(feed.url).verified_at > first.verified_at, timeout=30,
             what="the renewal verified")
    assert len(live.runs(source_id)) == polls_before, \
        "while the hub pushes, a source due every 2 s is not polled for the 100-fold interval"
    assert live.websub(source_id)["polled_every_while_pushed"] == 2 * 4, "as the web app's settings say"

    the_hub.close()
    quiet = wait_for(lambda: (s := live.websub(source_id))["state"] in ("expired", "failed") and s,
                     timeout=lease + 30, what="the lease to run out with the hub silent")
    assert quiet["error"].startswith("the hub could not be reached")
    lapsed = utcnow()
    wait_for(lambda: len([r for r in live.runs(source_id) if r.started > lapsed]) >= 2, timeout=30,
             what="polling on the source's own schedule again")
    with live.backend.Session() as session:
        assert session.get(Source, source_id).next_due < utcnow() + timedelta(seconds=30)
