"""WebSub, the subscriber's side (W3C Recommendation): find the hub a feed advertises,
subscribe there with a callback of ours, answer the hub's verification, renew before
the lease ends, and take the hub's pushes as "refresh this source now".

The steps run where the rest of the work runs: discovery and subscription requests on
a worker (handed out by the scheduler's tick, a few per tick), the callback in the web
tier. A push never carries content into the store: its body is only checked against
the subscription's secret, and the source is then refreshed from its own URL as any
refresh is, through the guarded fetcher.

The callback URL is ``CHANNEL_PUBLIC_URL`` + ``websub/<callback id>``, the id random
per subscription (a capability URL); the hub's requests there need no admin token."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Mapping
from urllib.parse import urlsplit

import requests
from sqlalchemy.orm import sessionmaker

from feeds import demo
from feeds.dates import utcnow
from feeds.errors import FeedError
from feeds.ingest import websub as wire
from feeds.ingest.fetch import fetch, make_session
from feeds.ingest.netguard import is_public_address
from feeds.settings import Settings, public_url
from feeds.store import websub as rows
from feeds.store.tables import Source

log = logging.getLogger("feeds.websub")

DISCOVERIES_PER_TICK = 5
SUBSCRIPTIONS_PER_TICK = 20
MAX_CHALLENGE = 512
MAX_LEASE_PARAM = 10 ** 9


def callback_url(callback_id: str, base: str | None = None) -> str:
    return f"{base or public_url()}websub/{callback_id}"


def unreachable_callback(settings: Settings) -> str:
    """Why a hub could not reach our callbacks, or "": a loopback or private public URL
    (the default when ``CHANNEL_PUBLIC_URL`` is unset) would hand a hub on the internet
    an address it cannot call back, and our secret with it. Allowed where private
    fetches are (tests, a hub inside the same network)."""
    if settings.fetch_allow_private:
        return ""
    host = (urlsplit(public_url()).hostname or "").rstrip(".")
    try:
        private = not is_public_address(host)
    except ValueError:  # a name: no host, a single label ("web") or a local suffix is no public one
        private = ("." not in host or host == "localhost"
                   or host.endswith((".localhost", ".local", ".internal")))
    return (f"the callback address {public_url()} is not public: set CHANNEL_PUBLIC_URL to where "
            "hubs reach this service" if private else "")


def due_work(Session: sessionmaker, now: datetime | None = None,
             discoveries: int = DISCOVERIES_PER_TICK,
             subscriptions: int = SUBSCRIPTIONS_PER_TICK) -> tuple[list[int], list[int]]:
    """One tick's share: leases that ended are marked expired, then the sources to
    discover and those whose subscription request is due are claimed (at most the
    given numbers, so a tick stays cheap however many sources there are)."""
    now = now or utcnow()
    with Session() as session:
        rows.expire_lapsed(session, now)
        discover = rows.claim_discoveries(session, now, discoveries)
        subscribe = rows.claim_subscriptions(session, now, subscriptions)
        if not rows.commit_claims(session):
            return [], []
    return discover, subscribe


def insecure_hub(settings: Settings, hub: str) -> str:
    """Why the subscription's secret may not go to ``hub``, or "": the Recommendation
    has it sent over HTTPS only (a plain-HTTP hub is allowed where private fetches are)."""
    if settings.fetch_allow_private or urlsplit(hub).scheme == "https":
        return ""
    return f"the hub {hub} is not HTTPS: the subscription's secret would travel in the clear"


@dataclass
class Discovery:
    source_id: int
    hub: str | None = None
    topic: str | None = None
    where: str = ""
    error: str = ""
    subscription: str | None = None
    """How the subscription request that followed went, when one was sent."""


def http_session(settings: Settings) -> requests.Session:
    return demo.mount(make_session(settings.fetch_allow_private))


def discover(Session: sessionmaker, settings: Settings, source_id: int, *,
             http: requests.Session | None = None, now: datetime | None = None) -> Discovery | None:
    """Fetch the source's feed once (no conditional GET: the links are in the body) and
    write down the hub and topic it advertises; when that starts a subscription, ask
    the hub at once. None when the source is gone or not a feed."""
    now = now or utcnow()
    with Session() as session:
        source = session.get(Source, source_id)
        if source is None or source.kind not in rows.FEED_KINDS:
            return None
        url = source.url
    own = http is None
    http = http or http_session(settings)
    report = Discovery(source_id)
    try:
        try:
            fetched = fetch(url, allow_private=settings.fetch_allow_private, session=http)
        except FeedError as exc:
            report.error = exc.message
        else:
            found = wire.advertised(fetched.headers, fetched.body, fetched.url)
            report.hub, report.topic, report.where = found.hub, found.topic, found.where
        with Session() as session:
            source = session.get(Source, source_id)
            if source is None:
                return None
            if report.error:
                rows.record_discovery_failure(session, source_id, report.error, now)
                ask = False
            else:
                ask = rows.record_discovery(session, source, report.hub, report.topic, now)
            session.commit()
        log.info("websub discovery", extra={"event": "websub.discovery", "source_id": source_id,
                                            "hub": report.hub, "topic": report.topic,
                                            "error": report.error})
        if ask:
            report.subscription = subscribe(Session, settings, source_id, http=http, now=now)
    finally:
        if own:
            http.close()
    return report


def subscribe(Session: sessionmaker, settings: Settings, source_id: int, *,
              http: requests.Session | None = None, now: datetime | None = None) -> str:
    """Send the source's subscription request (a first one, a retry or a renewal):
    ``requested`` when the hub took it (its verification follows at the callback),
    ``failed`` when it refused or could not be reached, ``skipped`` when there is
    nothing to ask for."""
    now = now or utcnow()
    with Session() as session:
        request = rows.start_request(session, source_id, now)
        session.commit()
    if request is None:
        return "skipped"
    if refused := unreachable_callback(settings) or insecure_hub(settings, request.hub):
        with Session() as session:
            rows.finish_request(session, request, False, refused, now)
            session.commit()
        return "failed"
    params = {"hub.mode": "subscribe", "hub.topic": request.topic,
              "hub.callback": callback_url(request.callback_id), "hub.secret": request.secret,
              "hub.lease_seconds": str(settings.websub_lease_seconds)}
    own = http is None
    http = http or http_session(settings)
    try:
        answer = wire.request_subscription(request.hub, params, http)
    finally:
        if own:
            http.close()
    if answer.accepted:
        message = ""
    elif answer.status is None:
        message = f"the hub could not be reached: {answer.message}"
    else:
        message = f"the hub answered {answer.status}" + (f": {answer.message}" if answer.message else "")
    with Session() as session:
        rows.finish_request(session, request, answer.accepted, message, now)
        session.commit()
    outcome = "requested" if answer.accepted else "failed"
    log.info("websub subscribe", extra={"event": "websub.subscribe", "source_id": source_id,
                                        "hub": request.hub, "renewal": request.renewal,
                                        "status": outcome, "error": message})
    return outcome


@dataclass(frozen=True)
class Verification:
    """The answer to a hub's GET at a callback: ``body`` to send with 200, or None
    for 404; ``mode`` and ``outcome`` for the metric."""

    mode: str
    outcome: str
    body: str | None = None


def verify_intent(Session: sessionmaker, settings: Settings, callback_id: str,
                  args: Mapping[str, str], now: datetime | None = None) -> Verification:
    """A hub's verification of intent (``hub.mode=subscribe``: echo ``hub.challenge``
    when the topic is that of a request pending or a subscription active, and keep
    ``hub.lease_seconds``), or its denial (``hub.mode=denied``: record it). Anything
    else, or a topic of no subscription of this callback, is refused (404). We never
    unsubscribe, so an ``unsubscribe`` is refused too."""
    now = now or utcnow()
    mode = (args.get("hub.mode") or "").strip().lower()
    topic = args.get("hub.topic") or ""
    label = mode if mode in ("subscribe", "unsubscribe", "denied") else "other"
    with Session() as session:
        if mode == "denied":
            row = rows.deny(session, callback_id, topic, (args.get("hub.reason") or "")[:300], now)
            session.commit()
            if row is None:
                return Verification(label, "refused")
            log.warning("websub denied", extra={"event": "websub.denied", "source_id": row.source_id,
                                                "error": row.error})
            return Verification(label, "recorded", "")
        challenge = args.get("hub.challenge") or ""
        if mode != "subscribe" or not _safe_challenge(challenge):
            return Verification(label, "refused")
        row = rows.verify(session, callback_id, mode, topic, _lease(args.get("hub.lease_seconds")),
                          settings.websub_lease_seconds, now)
        session.commit()
        if row is None:
            return Verification(label, "refused")
        log.info("websub verified", extra={"event": "websub.verified", "source_id": row.source_id,
                                           "lease_seconds": row.lease_seconds})
        return Verification(label, "confirmed", challenge)


def _safe_challenge(challenge: str) -> bool:
    """Printable ASCII of a bounded length: the Recommendation asks subscribers to
    refuse long or binary challenges (the answer echoes it)."""
    return 0 < len(challenge) <= MAX_CHALLENGE and all(33 <= ord(c) <= 126 for c in challenge)


def _lease(value: str | None) -> int | None:
    value = (value or "").strip()
    if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_LEASE_PARAM:
        return int(value)
    return None


def receive_push(Session: sessionmaker, callback_id: str, signature: str | None, body: bytes,
                 now: datetime | None = None) -> rows.Push:
    """A hub's content distribution at a callback: checked against the subscription's
    secret and counted. The caller asks for the refresh when ``refresh`` is set, and
    answers 2xx whatever the signature (the Recommendation's advice), 410 for a
    callback of no subscription."""
    now = now or utcnow()
    with Session() as session:
        row = rows.by_callback(session, callback_id)
        verdict = wire.check_signature(row.secret, body, signature) if row is not None else "ok"
        push = rows.record_push(session, callback_id, verdict, now)
        session.commit()
    level = logging.INFO if push.outcome in ("accepted", "coalesced") else logging.WARNING
    log.log(level, "websub push", extra={"event": "websub.push", "source_id": push.source_id,
                                         "status": push.outcome, "size": len(body)})
    return push
