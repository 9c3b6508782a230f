"""Webhooks: events reach a receiver on a local port, signed, with an idempotency key,
retried with backoff until it answers, each attempt recorded and visible to ops."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

import orjson
import pytest
from werkzeug import Response

from channel import create_app
from feeds import events, webhooks
from feeds.dates import utcnow
from feeds.publish import PublishReport
from feeds.store.published import media_problems
from feeds.store.tables import Channel, Delivery, Publish, Source
from tests.conftest import ADMIN_TOKEN, make_settings
from tests.feeds.site import ITEMS, feed_xml, site, site_server  # noqa: F401  (fixtures)
from tests.workers.conftest import wait_for
from tests.workers.test_celery import AUTH, add_source, mrss
from workers import jobs
from workers.webhooks import deliver_here

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


class Receiver:
    """Answers ``statuses`` in turn (then 204), keeping every request."""

    def __init__(self, server, statuses=()):
        self.requests, self.statuses = [], list(statuses)
        server.expect_request("/hook", method="POST").respond_with_handler(self.handle)
        self.url = server.url_for("/hook")

    def handle(self, request):
        self.requests.append((dict(request.headers), request.get_data()))
        return Response(status=self.statuses.pop(0) if self.statuses else 204)

    def events(self) -> list[str]:
        return [headers["X-Channel-Event"] for headers, _ in self.requests]


def add_webhook(client, url: str, **body) -> dict:
    response = client.post("/admin/api/channels/demo/webhooks", headers=ADMIN, json={"url": url, **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_publish_is_sent_signed_with_its_key(demo_app, httpserver):
    receiver = Receiver(httpserver)
    client = demo_app.test_client()
    hook = add_webhook(client, receiver.url, events=["published"])
    assert "secret" not in client.get("/admin/api/channels/demo/webhooks", headers=ADMIN).get_json()["webhooks"][0]

    assert jobs.publish(demo_app.extensions["backend"], "demo", trigger="test") is not None
    wait_for(lambda: receiver.requests, timeout=30, what="the webhook")
    [(headers, body)] = receiver.requests
    expected = "sha256=" + hmac.new(hook["secret"].encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Channel-Signature"] == expected and headers["X-Channel-Event"] == "published"
    payload = orjson.loads(body)
    assert payload["id"] == headers["X-Channel-Delivery"] and payload["channel"] == "demo"
    assert payload["data"]["trigger"] == "test" and payload["data"]["carried"]["roku.json"] > 0
    wait_for(lambda: client.get(f"/admin/api/webhooks/{hook['id']}/deliveries", headers=ADMIN)
             .get_json()["deliveries"][0]["status"] == "delivered", timeout=10, what="the delivery recorded")


def test_a_publish_ops_ask_for_is_told_too(demo_app, httpserver):
    receiver = Receiver(httpserver)
    client = demo_app.test_client()
    add_webhook(client, receiver.url, events=["published"])
    assert client.post("/admin/api/channels/demo/publish", headers=ADMIN).status_code == 200
    wait_for(lambda: receiver.requests, timeout=30, what="the webhook of the ops publish")
    assert orjson.loads(receiver.requests[0][1])["data"]["trigger"] == "ops (admin)"
    dry = client.post("/admin/api/channels/demo/publish?dry_run=1", headers=ADMIN)
    assert dry.status_code == 200 and dry.get_json()["dry_run"] is True
    with demo_app.extensions["backend"].Session() as session:
        assert session.query(Delivery).count() == 1, "a dry run is not a publish"


def test_a_failing_receiver_is_retried_and_every_attempt_recorded(demo_app, httpserver):
    receiver = Receiver(httpserver, statuses=[500, 503])
    client = demo_app.test_client()
    hook = add_webhook(client, receiver.url, events=["channel.stale"])
    backend = demo_app.extensions["backend"]
    [delivery_id] = events.stale_channels(backend.Session, now=utcnow() + timedelta(days=1))
    assert events.stale_channels(backend.Session, now=utcnow() + timedelta(days=1)) == [], "told once"

    waits = []
    assert deliver_here(backend, delivery_id, wait=waits.append) == "delivered"
    assert waits == [5.0, 10.0] and receiver.events() == ["channel.stale"] * 3
    keys = {headers["X-Channel-Delivery"] for headers, _ in receiver.requests}
    assert len(keys) == 1, "every attempt carries the same idempotency key"
    [shown] = client.get(f"/admin/api/webhooks/{hook['id']}/deliveries", headers=ADMIN).get_json()["deliveries"]
    assert [attempt.get("status") for attempt in shown["attempts"]] == [500, 503, 204]


def test_a_delivery_whose_task_was_lost_is_sent_again_by_the_tick(demo_app, httpserver):
    receiver = Receiver(httpserver)
    add_webhook(demo_app.test_client(), receiver.url, events=["channel.stale"])
    backend = demo_app.extensions["backend"]
    [lost] = events.stale_channels(backend.Session, now=utcnow() + timedelta(days=1))
    assert webhooks.overdue(backend.Session) == [], "not yet past due"
    later = utcnow() + timedelta(seconds=webhooks.backoff(0) + webhooks.GRACE + 1)
    assert webhooks.overdue(backend.Session, now=later) == [lost]

    jobs.notify(backend, lambda Session: webhooks.overdue(Session, now=later))
    wait_for(lambda: receiver.events() == ["channel.stale"], timeout=30, what="the lost delivery sent again")


def test_a_receiver_that_never_answers_well_ends_failed(demo_app, httpserver):
    receiver = Receiver(httpserver, statuses=[500] * 10)
    add_webhook(demo_app.test_client(), receiver.url, events=["channel.stale"])
    backend = demo_app.extensions["backend"]
    [delivery_id] = events.stale_channels(backend.Session, now=utcnow() + timedelta(days=1))
    assert deliver_here(backend, delivery_id, wait=lambda seconds: None) == "failed"
    with backend.Session() as session:
        assert len(session.get(Delivery, delivery_id).attempts) == 6


def test_a_source_failing_then_disabled_is_told_once_each(demo_app, httpserver):
    receiver = Receiver(httpserver)
    client = demo_app.test_client()
    add_webhook(client, receiver.url, events=["source.failing", "source.disabled"])
    httpserver.expect_request("/down.xml").respond_with_data("down", status=503)
    backend = demo_app.extensions["backend"]
    with backend.Session() as session:
        session.add(Source(id=99, channel_id="demo", kind="rss", url=httpserver.url_for("/down.xml")))
        session.commit()
    for _ in range(10):
        jobs.refresh(backend, 99)
    wait_for(lambda: len(receiver.requests) == 2, timeout=30, what="two webhooks")
    assert receiver.events() == ["source.failing", "source.disabled"]
    assert [orjson.loads(body)["data"]["failures"] for _, body in receiver.requests] == [3, 10]


@pytest.fixture
def checking_app(sqlite_url):
    app = create_app(make_settings(sqlite_url, media_checks=True))
    yield app
    app.extensions["backend"].close()


def test_dead_media_is_told_once_while_it_stays_dead_and_counted_for_alerts(checking_app, site, httpserver):  # noqa: F811
    receiver = Receiver(httpserver)
    dead = [ITEMS[0], next(entry for entry in ITEMS if "/v/gone.m3u8" in entry)]
    site.expect_request("/tv.xml").respond_with_data(feed_xml(dead, site.url_for("").rstrip("/")),
                                                     content_type="application/rss+xml")
    backend = checking_app.extensions["backend"]
    with backend.Session() as session:
        session.add(Channel(id="tv", title="TV News"))
        session.add(Source(channel_id="tv", kind="mrss", url=site.url_for("/tv.xml")))
        session.commit()
    client = checking_app.test_client()
    response = client.post("/admin/api/channels/tv/webhooks", headers=ADMIN,
                           json={"url": receiver.url, "events": ["media.problem"]})
    assert response.status_code == 201
    cli = checking_app.test_cli_runner()
    assert cli.invoke(args=["refresh", "--channel", "tv"]).exit_code == 0
    wait_for(lambda: receiver.events() == ["media.problem"], timeout=30, what="the media problem told")
    data = orjson.loads(receiver.requests[0][1])["data"]
    assert data["count"] == 1 and site.url_for("/v/gone.m3u8") in data["problems"][0]["problem"]
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'channel_media_problems{channel="tv"} 1.0' in metrics

    again = jobs.publish(backend, "tv", trigger="again")
    assert again is not None
    assert [problem["id"] for problem in media_problems(again.to_dict())] == [
        problem["id"] for problem in data["problems"]], "the second publish finds the same dead video"
    with backend.Session() as session:
        assert session.query(Delivery).count() == 1, "the same dead video is not told again"


@pytest.fixture
def any_store_app(database_url):
    app = create_app(make_settings(database_url))
    yield app
    app.extensions["backend"].close()


def test_a_publish_s_media_problems_are_weighed_against_the_publish_before_it(any_store_app, httpserver):
    """Two workers: publish 2 is recorded before publish 1's webhooks are queued. Publish 1
    is still compared with publish 0, not with itself."""
    backend, client = any_store_app.extensions["backend"], any_store_app.test_client()
    with backend.Session() as session:
        session.add(Channel(id="tv", title="TV News"))
        session.commit()
    response = client.post("/admin/api/channels/tv/webhooks", headers=ADMIN,
                           json={"url": httpserver.url_for("/hook"), "events": ["media.problem"]})
    assert response.status_code == 201, response.get_json()
    dead = {"id": "a", "url": "https://cdn.example/a.m3u8", "problem": "upstream answered 404"}
    start = utcnow() - timedelta(minutes=1)
    reports = [PublishReport(channel="tv", published_at=(start + timedelta(seconds=n)).isoformat(), items=1,
                             media_problems=[dead] if n else []) for n in range(3)]
    with backend.Session() as session:
        session.add_all([Publish(channel_id="tv", published_at=datetime.fromisoformat(report.published_at),
                                 trigger="test", report=report.to_dict(), files={}) for report in reports])
        session.commit()
    assert len(events.new_media_problems(backend.Session, reports[1])) == 1, "new since publish 0"
    assert events.new_media_problems(backend.Session, reports[2]) == [], "publish 1 had it already"


def test_bad_webhooks_are_refused_naming_the_field(demo_client):
    response = demo_client.post("/admin/api/channels/demo/webhooks", headers=ADMIN,
                                json={"url": "ftp://x", "events": ["published", "tea.time"]})
    assert response.status_code == 400 and set(response.get_json()["fields"]) == {"url", "events"}
    assert demo_client.post("/admin/api/channels/demo/webhooks", json={"url": "https://x.example/"}).status_code == 401


@pytest.mark.slow
def test_a_real_worker_sends_the_publish_of_a_refresh(web, start_worker, upstream, httpserver):
    receiver = Receiver(httpserver)
    upstream.expect_request("/clips.xml").respond_with_data(mrss(2), content_type="application/rss+xml")
    source_id = add_source(web, upstream.url_for("/clips.xml"))
    hook = web.post("/admin/api/channels/news/webhooks", headers=AUTH, json={"url": receiver.url})
    assert hook.status_code == 201
    start_worker()
    assert web.post(f"/admin/api/sources/{source_id}/refresh", headers=AUTH).status_code == 202
    wait_for(lambda: "published" in receiver.events(), timeout=60, what="the worker's webhook")
