"""WebSub, the subscriber's side, on SQLite and PostgreSQL with a local upstream and hub:
discovery handed out by the tick, subscribing, the hub's verification and lease,
renewal, backoff, expiry and denial, pushes checked and counted, the scheduler's
slower pace while a hub pushes; then the callback and admin routes of the web app."""
from __future__ import annotations

import dataclasses
import threading
from datetime import datetime, timedelta, timezone

import pytest
from werkzeug import Response

from feeds import websub
from feeds.backend import Backend
from feeds.dates import utcnow
from feeds.ingest.websub import sign
from feeds.metrics import WEBSUB_PUSHES
from feeds.settings import public_url
from feeds.store import websub as rows
from feeds.store.policy import PushPolling
from feeds.store.schedule import dispatch_due
from feeds.store.tables import Channel, Item, Run, Source, WebSubSubscription
from tests.conftest import ADMIN_TOKEN, make_settings
from tests.workers.conftest import wait_for

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def feed(hub: str, topic: str, title: str = "One") -> str:
    return (f'<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
            f'<channel><title>World</title><atom:link rel="hub" href="{hub}"/>'
            f'<atom:link rel="self" href="{topic}"/><link>https://news.example/</link>'
            f"<item><title>{title}</title><guid>{title}</guid><link>https://news.example/{title}</link>"
            f"<pubDate>Sun, 29 Nov 2026 10:00:00 +0000</pubDate></item></channel></rss>")


class Hub:
    """A hub endpoint on the test's HTTP server that answers ``statuses`` in turn (then
    202) and keeps each request's form."""

    def __init__(self, server, statuses=(), path: str = "/hub"):
        self.requests, self.statuses = [], list(statuses)
        server.expect_request(path, method="POST").respond_with_handler(self.handle)
        self.url = server.url_for(path)

    def handle(self, request):
        self.requests.append(dict(request.form))
        return Response("", status=self.statuses.pop(0) if self.statuses else 202)


@pytest.fixture
def store(database_url, httpserver):
    backend = Backend.from_settings(make_settings(database_url))
    topic = httpserver.url_for("/topic")
    with backend.Session() as session:
        session.add(Channel(id="news", title="News"))
        session.add_all([
            Source(id=1, channel_id="news", kind="rss", url=httpserver.url_for("/feed.xml"), every=600,
                   next_due=NOW),
            Source(id=2, channel_id="news", kind="article", url="https://news.example/page", every=600),
        ])
        session.commit()
    backend.topic = topic
    yield backend
    backend.close()


def row(store) -> WebSubSubscription:
    with store.Session() as session:
        return rows.for_source(session, 1)


def discovered(store, httpserver, hub_statuses=()) -> Hub:
    hub = Hub(httpserver, hub_statuses)
    httpserver.expect_request("/feed.xml").respond_with_data(feed(hub.url, store.topic),
                                                             content_type="application/rss+xml")
    assert websub.due_work(store.Session, NOW) == ([1], [])
    report = websub.discover(store.Session, store.settings, 1, now=NOW)
    assert (report.hub, report.topic) == (hub.url, store.topic)
    return hub


def verified(store, lease: int = 1000, at: datetime = NOW) -> websub.Verification:
    return websub.verify_intent(store.Session, store.settings, row(store).callback_id,
                                {"hub.mode": "subscribe", "hub.topic": store.topic,
                                 "hub.challenge": "c-123", "hub.lease_seconds": str(lease)}, now=at)


def test_the_tick_discovers_each_feed_source_once_then_daily(store, httpserver):
    hub = discovered(store, httpserver)
    assert websub.due_work(store.Session, NOW + timedelta(minutes=1)) == ([], []), "claimed, then done"
    subscription = row(store)
    assert (subscription.state, subscription.hub, subscription.topic) == ("pending", hub.url, store.topic)
    [form] = hub.requests
    assert form == {"hub.mode": "subscribe", "hub.topic": store.topic,
                    "hub.callback": f"{public_url()}websub/{subscription.callback_id}",
                    "hub.secret": subscription.secret, "hub.lease_seconds": str(10 * 86400)}
    assert len(subscription.callback_id) >= 32 and len(subscription.secret) >= 40
    with store.Session() as session:
        assert rows.for_source(session, 2) is None, "an article page is not a feed"
    assert websub.due_work(store.Session, NOW + timedelta(days=1, seconds=1))[0] == [1]


def test_a_claimed_discovery_is_not_handed_out_again_until_its_claim_lapses(store, httpserver):
    assert websub.due_work(store.Session, NOW) == ([1], [])
    assert websub.due_work(store.Session, NOW + timedelta(minutes=1)) == ([], [])
    assert websub.due_work(store.Session, NOW + rows.CLAIM) == ([1], []), "its worker was lost"
    with store.Session() as session:
        session.get(Source, 1).url = httpserver.url_for("/moved.xml")
        session.commit()
    assert websub.due_work(store.Session, NOW + rows.CLAIM) == ([1], []), "a new URL is looked at at once"


def test_a_tick_hands_out_a_bounded_number(store, httpserver):
    with store.Session() as session:
        session.add_all([Source(id=n, channel_id="news", kind="mrss", url=f"https://news.example/{n}")
                         for n in range(10, 20)])
        session.commit()
    assert websub.due_work(store.Session, NOW, discoveries=4) == ([1, 10, 11, 12], [])
    assert websub.due_work(store.Session, NOW, discoveries=4) == ([13, 14, 15, 16], [])


def test_a_feed_without_a_hub_is_recorded_as_such(store, httpserver):
    httpserver.expect_request("/feed.xml").respond_with_data(
        "<rss version='2.0'><channel><title>x</title></channel></rss>", content_type="application/rss+xml")
    websub.due_work(store.Session, NOW)
    report = websub.discover(store.Session, store.settings, 1, now=NOW)
    assert report.hub is None and report.subscription is None
    assert (row(store).state, row(store).discovered_at) == ("none", NOW)


def test_a_feed_that_cannot_be_fetched_is_looked_at_again_within_the_hour(store, httpserver):
    httpserver.expect_request("/feed.xml").respond_with_data("down", status=503)
    websub.due_work(store.Session, NOW)
    assert websub.discover(store.Session, store.settings, 1, now=NOW).error == "upstream answered 503"
    assert row(store).state == "unknown" and row(store).error == "discovery: upstream answered 503"
    assert websub.due_work(store.Session, NOW + rows.DISCOVER_RETRY)[0] == [1]


def test_the_hubs_verification_activates_with_its_lease_and_renewal_comes_at_80_percent(store, httpserver):
    hub = discovered(store, httpserver)
    callback_id = row(store).callback_id
    wrong = websub.verify_intent(store.Session, store.settings, callback_id,
                                 {"hub.mode": "subscribe", "hub.topic": "https://other.example/",
                                  "hub.challenge": "c-123", "hub.lease_seconds": "1000"}, now=NOW)
    assert wrong.body is None and row(store).state == "pending"
    for bad in ({"hub.mode": "unsubscribe", "hub.topic": store.topic, "hub.challenge": "c"},
                {"hub.mode": "subscribe", "hub.topic": store.topic, "hub.challenge": "<script> x"},
                {"hub.mode": "subscribe", "hub.topic": store.topic}):
        assert websub.verify_intent(store.Session, store.settings, callback_id, bad, now=NOW).body is None

    assert verified(store) == websub.Verification("subscribe", "confirmed", "c-123")
    subscription = row(store)
    assert (subscription.state, subscription.lease_seconds) == ("active", 1000)
    assert subscription.lease_expires == NOW + timedelta(seconds=1000)
    assert subscription.renew_at == NOW + timedelta(seconds=800)

    assert websub.due_work(store.Session, NOW + timedelta(seconds=799)) == ([], [])
    assert websub.due_work(store.Session, NOW + timedelta(seconds=800)) == ([], [1])
    assert websub.subscribe(store.Session, store.settings, 1, now=NOW + timedelta(seconds=800)) == "requested"
    assert len(hub.requests) == 2 and hub.requests[1]["hub.callback"] == hub.requests[0]["hub.callback"]
    assert row(store).state == "active", "a renewal leaves the subscription active meanwhile"
    assert verified(store, 2000, NOW + timedelta(seconds=801)).body == "c-123"
    assert row(store).lease_expires == NOW + timedelta(seconds=2801)


def test_a_refused_renewal_is_retried_and_a_lapsed_lease_expires(store, httpserver):
    hub = discovered(store, httpserver, hub_statuses=[202, 503, 503])
    verified(store, lease=100)
    renew = NOW + timedelta(seconds=80)
    assert websub.subscribe(store.Session, store.settings, 1, now=renew) == "failed"
    subscription = row(store)
    assert subscription.state == "active" and subscription.failures == 1
    assert subscription.error == "the hub answered 503"
    assert renew < subscription.renew_at < subscription.lease_expires, "retried before the lease ends"
    assert websub.due_work(store.Session, NOW + timedelta(seconds=100)) == ([], [1])
    assert row(store).state == "expired" and "503" in row(store).error
    assert websub.subscribe(store.Session, store.settings, 1, now=NOW + timedelta(seconds=101)) == "failed"
    assert (row(store).state, row(store).failures) == ("failed", 2)
    assert len(hub.requests) == 3


def test_an_unreachable_hub_fails_and_is_tried_again_with_backoff(store, httpserver):
    discovered(store, httpserver, hub_statuses=[500])
    subscription = row(store)
    assert (subscription.state, subscription.failures) == ("failed", 1)
    assert subscription.renew_at == NOW + timedelta(seconds=60)
    assert websub.due_work(store.Session, NOW + timedelta(seconds=59)) == ([], [])
    assert websub.due_work(store.Session, NOW + timedelta(seconds=60)) == ([], [1])
    with store.Session() as session:
        session.get(WebSubSubscription, subscription.id).hub = "http://127.0.0.1:9/hub"
        session.commit()
    assert websub.subscribe(store.Session, store.settings, 1) == "failed"
    assert row(store).error.startswith("the hub could not be reached") and row(store).failures == 2
    assert rows.retry_seconds(2) == 120 and rows.retry_seconds(20) == rows.MAX_RETRY


def test_a_denial_is_recorded_and_not_asked_again_until_ops_ask(store, httpserver):
    hub = discovered(store, httpserver)
    verified(store)
    callback_id = row(store).callback_id
    denied = websub.verify_intent(store.Session, store.settings, callback_id,
                                  {"hub.mode": "denied", "hub.topic": store.topic, "hub.reason": "no thanks"},
                                  now=NOW + timedelta(seconds=5))
    assert denied == websub.Verification("denied", "recorded", "")
    subscription = row(store)
    assert (subscription.state, subscription.error) == ("denied", "denied by the hub: no thanks")
    assert subscription.lease_expires is None and subscription.renew_at is None
    assert websub.due_work(store.Session, NOW + timedelta(days=2))[1] == []
    assert websub.verify_intent(store.Session, store.settings, callback_id,
                                {"hub.mode": "denied", "hub.topic": "https://x.example/"}).body is None

    with store.Session() as session:
        rows.ask_again(session, 1, NOW + timedelta(days=2))
        session.commit()
    assert websub.due_work(store.Session, NOW + timedelta(days=2)) == ([1], [1])
    assert websub.subscribe(store.Session, store.settings, 1) == "requested" and len(hub.requests) == 2


def test_a_new_hub_gets_a_new_callback_and_secret(store, httpserver):
    discovered(store, httpserver)
    before = row(store)
    httpserver.clear()
    other = Hub(httpserver, path="/other-hub")
    httpserver.expect_request("/feed.xml").respond_with_data(feed(other.url, store.topic),
                                                             content_type="application/rss+xml")
    websub.discover(store.Session, store.settings, 1, now=NOW + timedelta(days=1))
    after = row(store)
    assert after.hub == other.url and after.state == "pending" and len(other.requests) == 1
    assert after.callback_id != before.callback_id and after.secret != before.secret
    gone = websub.receive_push(store.Session, before.callback_id, None, b"x")
    assert gone.outcome == "unknown_subscription"


def test_pushes_are_checked_counted_and_folded(store, httpserver):
    discovered(store, httpserver)
    verified(store)
    subscription = row(store)
    body = b"<rss>new</rss>"
    good = sign(subscription.secret, body, "sha1")
    assert websub.receive_push(store.Session, subscription.callback_id, good, body, NOW) == \
        rows.Push("accepted", 1, refresh=True)
    for header, outcome in ((None, "missing_signature"), ("sha256=" + "0" * 64, "bad_signature"),
                            ("sha256=zz", "malformed_signature"), ("md5=" + "a" * 32, "malformed_signature"),
                            (sign("not-the-secret", body), "bad_signature"), (good, "bad_signature")):
        push = websub.receive_push(store.Session, subscription.callback_id, header,
                                   body if header is not good else body + b"!", NOW)
        assert push == rows.Push(outcome, 1), header
    with store.Session() as session:
        session.add(Run(source_id=1, status="queued"))
        session.commit()
    assert websub.receive_push(store.Session, subscription.callback_id, good, body).outcome == "coalesced"
    after = row(store)
    assert (after.pushes, after.rejected_pushes) == (2, 6) and after.last_push_at is not None
    assert after.last_rejection == "an X-Hub-Signature that does not match"
    with store.Session() as session:
        session.get(Source, 1).enabled = False
        session.commit()
    disabled = websub.receive_push(store.Session, subscription.callback_id, good, body)
    assert disabled.outcome == "source_disabled"


def test_the_scheduler_polls_a_pushed_source_at_the_slower_pace_until_the_lease_ends(store):
    polling = PushPolling(factor=4, max_seconds=6 * 3600)
    assert polling.interval(600) == 2400 and polling.interval(4 * 3600) == 6 * 3600
    assert polling.interval(8 * 3600) == 8 * 3600, "never more often than the source's own interval"

    def lease(expires: datetime | None, last_run: datetime | None = NOW - timedelta(seconds=700)) -> None:
        with store.Session() as session:
            session.query(WebSubSubscription).delete()
            session.query(Run).delete()
            if last_run:
                session.add(Run(source_id=1, status="ok", started=last_run, finished=last_run))
            if expires:
                session.add(rows._row(1, NOW))
                session.flush()
                subscription = rows.for_source(session, 1)
                subscription.state, subscription.lease_expires = "active", expires
                subscription.hub = "https://hub.example/"
            source = session.get(Source, 1)
            source.next_due = NOW - timedelta(seconds=100)
            session.commit()

    def next_due() -> datetime:
        with store.Session() as session:
            return session.get(Source, 1).next_due

    lease(NOW + timedelta(hours=1))
    assert dispatch_due(store.Session, [].append, now=NOW, push_polling=polling) == []
    assert next_due() == NOW - timedelta(seconds=700) + timedelta(seconds=2400)
    assert dispatch_due(store.Session, [].append, now=next_due(), push_polling=polling) == [1]

    lease(NOW + timedelta(seconds=300))
    assert dispatch_due(store.Session, [].append, now=NOW, push_polling=polling) == []
    assert next_due() == NOW + timedelta(seconds=300), "no later than the lease's end"
    assert dispatch_due(store.Session, [].append, now=NOW + timedelta(seconds=300),
                        push_polling=polling) == [1], "a lease that ended: the usual schedule"

    lease(NOW + timedelta(hours=1), last_run=None)
    assert dispatch_due(store.Session, [].append, now=NOW, push_polling=polling) == [1], "never refreshed"
    lease(NOW + timedelta(hours=1))
    assert dispatch_due(store.Session, [].append, now=NOW) == [1], "without push polling, as before"
    lease(None)
    assert dispatch_due(store.Session, [].append, now=NOW, push_polling=polling) == [1]


def test_a_denied_lease_puts_the_source_back_on_its_own_schedule_at_once(store, httpserver):
    discovered(store, httpserver)
    verified(store, lease=86400)
    polling = PushPolling(factor=4, max_seconds=6 * 3600)
    with store.Session() as session:
        session.add(Run(source_id=1, status="ok", started=NOW, finished=NOW))
        session.commit()

    def next_due() -> datetime:
        with store.Session() as session:
            return session.get(Source, 1).next_due

    due = NOW + timedelta(seconds=600)
    assert dispatch_due(store.Session, [].append, now=due, push_polling=polling) == []
    assert next_due() == NOW + timedelta(seconds=2400), "pushed: polled four times less often"
    denied_at = due + timedelta(seconds=60)
    websub.verify_intent(store.Session, store.settings, row(store).callback_id,
                         {"hub.mode": "denied", "hub.topic": store.topic}, now=denied_at)
    assert row(store).state == "denied"
    assert next_due() == denied_at, "no hub pushes any more: polled at the next tick"
    assert dispatch_due(store.Session, [].append, now=denied_at, push_polling=polling) == [1]


# The routes --------------------------------------------------------------------------


@pytest.fixture
def web(app, httpserver):
    backend = app.extensions["backend"]
    hub = Hub(httpserver)
    topic = httpserver.url_for("/topic")
    httpserver.expect_request("/feed.xml").respond_with_data(feed(hub.url, topic),
                                                             content_type="application/rss+xml")
    with backend.Session() as session:
        session.add(Channel(id="news", title="News"))
        session.add(Source(id=1, channel_id="news", kind="rss", url=httpserver.url_for("/feed.xml"),
                           every=3600, next_due=utcnow() + timedelta(hours=1)))
        session.commit()
    websub.due_work(backend.Session)
    websub.discover(backend.Session, backend.settings, 1)
    client = app.test_client()
    client.topic, client.backend, client.hub = topic, backend, hub
    with backend.Session() as session:
        client.subscription = rows.for_source(session, 1)
    return client


def pushes(outcome: str) -> float:
    return WEBSUB_PUSHES.labels(outcome=outcome)._value.get()


def runs(backend) -> list[tuple[str, str]]:
    with backend.Session() as session:
        return [(run.status, run.error) for run in session.query(Run).order_by(Run.id)]


def test_the_callback_answers_the_hubs_verification(web):
    path = f"/websub/{web.subscription.callback_id}"
    ok = web.get(path, query_string={"hub.mode": "subscribe", "hub.topic": web.topic,
                                     "hub.challenge": "abc.DEF-1", "hub.lease_seconds": "300"})
    assert ok.status_code == 200 and ok.data == b"abc.DEF-1"
    assert ok.mimetype == "text/plain" and ok.headers["X-Content-Type-Options"] == "nosniff"
    wrong = web.get(path, query_string={"hub.mode": "subscribe", "hub.topic": web.topic + "x",
                                        "hub.challenge": "abc"})
    assert wrong.status_code == 404 and b"abc" not in wrong.data
    assert web.get("/websub/" + "A" * 32, query_string={"hub.mode": "subscribe", "hub.topic": web.topic,
                                                        "hub.challenge": "abc"}).status_code == 404
    assert web.get("/websub/short", query_string={"hub.challenge": "abc"}).status_code == 404
    admin = web.get("/admin/api/sources/1/websub", headers=ADMIN).get_json()
    assert admin["state"] == "active" and admin["lease_seconds"] == 300
    assert "secret" not in admin and web.subscription.secret not in str(admin)


def test_a_push_with_a_bad_signature_is_answered_and_ignored(web):
    path = f"/websub/{web.subscription.callback_id}"
    before = pushes("bad_signature"), pushes("missing_signature")
    wrong = {"X-Hub-Signature": "sha256=" + "1" * 64}
    assert web.post(path, data=b"<rss/>", headers=wrong).status_code == 202
    assert web.post(path, data=b"<rss/>").status_code == 202
    assert (pushes("bad_signature"), pushes("missing_signature")) == (before[0] + 1, before[1] + 1)
    assert runs(web.backend) == [], "nothing was refreshed"
    admin = web.get("/admin/api/sources/1/websub", headers=ADMIN).get_json()
    assert (admin["rejected_pushes"], admin["pushes"], admin["last_push"]) == (2, 0, None)
    assert admin["last_rejection"] == "no X-Hub-Signature"


def test_a_signed_push_refreshes_the_source_now(web):
    body = b"<rss>whatever the hub sends</rss>"
    before = pushes("accepted")
    response = web.post(f"/websub/{web.subscription.callback_id}", data=body,
                        headers={"X-Hub-Signature": sign(web.subscription.secret, body, "sha512")})
    assert response.status_code == 202 and pushes("accepted") == before + 1
    wait_for(lambda: runs(web.backend) == [("ok", "")] and not any(
        thread.name == "refresh-1" for thread in threading.enumerate()), timeout=30,
        what="the refresh (and publish) the push asked for")
    with web.backend.Session() as session:
        assert [item.title for item in session.query(Item)] == ["One"]
    admin = web.get("/admin/api/sources/1/websub", headers=ADMIN).get_json()
    assert admin["pushes"] == 1 and admin["last_push"]


def test_a_push_to_no_subscription_is_gone_and_a_huge_one_refused(web):
    assert web.post("/websub/" + "B" * 32, data=b"x").status_code == 410
    huge = b"x" * (1024 * 1024 + 1)
    before = pushes("too_large")
    assert web.post(f"/websub/{web.subscription.callback_id}", data=huge).status_code == 413
    assert pushes("too_large") == before + 1


def test_the_admin_routes_need_the_token_and_list_every_source(web):
    assert web.get("/admin/api/sources/1/websub").status_code == 401
    assert web.get("/admin/api/websub").status_code == 401
    assert web.post("/admin/api/sources/1/websub/rediscover").status_code == 401
    listed = web.get("/admin/api/websub?channel=news", headers=ADMIN).get_json()
    [only] = listed["subscriptions"]
    assert listed["enabled"] is True
    assert (only["source"], only["state"]) == (1, "pending")
    assert (only["hub"], only["topic"]) == (web.hub.url, web.topic)
    assert only["callback"].endswith(f"/websub/{web.subscription.callback_id}")
    assert web.get("/admin/api/sources/99/websub", headers=ADMIN).status_code == 404
    again = web.post("/admin/api/sources/1/websub/rediscover", headers=ADMIN)
    assert again.status_code == 202 and again.get_json()["next_discovery"]


def test_no_hub_is_handed_a_callback_it_cannot_reach(store, httpserver, monkeypatch):
    hub = discovered(store, httpserver)
    closed = dataclasses.replace(store.settings, fetch_allow_private=False)
    monkeypatch.delenv("CHANNEL_PUBLIC_URL", raising=False)
    assert websub.subscribe(store.Session, closed, 1) == "failed"
    assert len(hub.requests) == 1, "nothing sent: neither a loopback callback nor our secret"
    assert "set CHANNEL_PUBLIC_URL" in row(store).error
    monkeypatch.setenv("CHANNEL_PUBLIC_URL", "https://tv.news.example/")
    assert websub.unreachable_callback(closed) == ""
    for private in ("http://10.1.2.3/", "http://localhost:8000/", "http://[::1]/", "http://box.local/",
                    "http://localhost.:8000/", "http://web:8000/", "http:///"):
        monkeypatch.setenv("CHANNEL_PUBLIC_URL", private)
        assert websub.unreachable_callback(closed), private
    monkeypatch.setenv("CHANNEL_PUBLIC_URL", "https://tv.news.example/")
    assert websub.subscribe(store.Session, closed, 1) == "failed" and len(hub.requests) == 1
    assert "is not HTTPS" in row(store).error
    assert websub.insecure_hub(closed, "https://hub.example/") == ""
