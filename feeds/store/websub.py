"""WebSub subscription rows: what is due (discovery, subscribing, renewing), what a
discovery found, how the hub answered, what a push carried, and which sources a hub
pushes to now (an active lease), which the scheduler polls less often.

Every feed source gets one row when the scheduler first sees it (its discovery
record); ``discover_at`` says when to look at its feed again, ``renew_at`` when to
send the next subscription request (the first, a retry, or a renewal)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feeds.store.tables import Run, Source, WebSubSubscription

FEED_KINDS = ("rss", "mrss")
"""The kinds of source that are feeds, and so may advertise a hub."""
CLAIM = timedelta(minutes=10)
"""How long a discovery or subscription handed to a worker is not handed out again."""
DISCOVER_EVERY = timedelta(days=1)
DISCOVER_RETRY = timedelta(hours=1)
"""After a discovery that could not fetch the feed."""
VERIFY_WAIT = timedelta(hours=1)
"""A hub that accepted a request but has not verified it by then is asked again."""
RENEW_AT = 0.8
"""A lease is renewed when this share of it has passed."""
MAX_RETRY = 6 * 3600
MAX_LEASE = 366 * 86400
MAX_TEXT = 500

Subscription = WebSubSubscription


def new_callback_id() -> str:
    """The unguessable last part of a callback URL (a capability URL)."""
    return secrets.token_urlsafe(24)


def new_secret() -> str:
    """A ``hub.secret``: random, per subscription, under the 200 bytes allowed."""
    return secrets.token_urlsafe(32)


def retry_seconds(failures: int) -> float:
    """1 minute after the first failed request, doubling, at most 6 hours."""
    return min(60 * 2 ** max(failures - 1, 0), MAX_RETRY)


def for_source(session: Session, source_id: int) -> Subscription | None:
    return session.scalars(select(Subscription).where(Subscription.source_id == source_id)).first()


def by_callback(session: Session, callback_id: str) -> Subscription | None:
    return session.scalars(select(Subscription).where(Subscription.callback_id == callback_id)).first()


def _row(source_id: int, now: datetime) -> Subscription:
    return Subscription(source_id=source_id, callback_id=new_callback_id(), secret=new_secret(),
                        state="unknown", discover_at=now, failures=0, pushes=0, rejected_pushes=0,
                        error="", last_rejection="", hub="", topic="", source_url="", created_at=now)


def claim_discoveries(session: Session, now: datetime, limit: int) -> list[int]:
    """The feed sources to look at now, at most ``limit``: never looked at (no row
    yet), due again (daily), or whose URL changed since. Each is claimed (its next
    look pushed ``CLAIM`` ahead) so that the next tick does not hand it out again;
    the caller commits."""
    query = (select(Source.id, Source.url, Subscription)
             .outerjoin(Subscription, Subscription.source_id == Source.id)
             .where(Source.enabled.is_(True), Source.kind.in_(FEED_KINDS),
                    or_(Subscription.id.is_(None), Subscription.discover_at <= now,
                        Subscription.source_url != Source.url))
             .order_by(Source.id).limit(limit))
    claimed = []
    for source_id, url, row in session.execute(query).all():
        if row is None:
            row = _row(source_id, now)
            session.add(row)
        row.discover_at, row.source_url = now + CLAIM, url
        claimed.append(source_id)
    return claimed


def claim_subscriptions(session: Session, now: datetime, limit: int) -> list[int]:
    """The sources whose subscription request (first, retry or renewal) is due, at
    most ``limit``, each claimed as in ``claim_discoveries``."""
    query = (select(Subscription).join(Source, Source.id == Subscription.source_id)
             .where(Source.enabled.is_(True), Source.kind.in_(FEED_KINDS), Subscription.hub != "",
                    Subscription.state.in_(("new", "pending", "active", "expired", "failed")),
                    Subscription.renew_at <= now)
             .order_by(Subscription.renew_at).limit(limit))
    rows = list(session.scalars(query))
    for row in rows:
        row.renew_at = now + CLAIM
    return [row.source_id for row in rows]


def expire_lapsed(session: Session, now: datetime) -> int:
    """Active subscriptions whose lease ended without a verified renewal become
    ``expired`` (their source is polled on its own schedule again); their renewal
    keeps being tried."""
    rows = session.scalars(select(Subscription).where(
        Subscription.state == "active", Subscription.lease_expires <= now)).all()
    for row in rows:
        row.state = "expired"
        row.error = row.error or "the lease ended before a renewal was verified"
        if row.renew_at is None:
            row.renew_at = now
    return len(rows)


def commit_claims(session: Session) -> bool:
    """Commit what was claimed; False (nothing claimed) when another process made the
    same source's row at the same moment."""
    try:
        session.commit()
        return True
    except IntegrityError:
        session.rollback()
        return False


def record_discovery(session: Session, source: Source, hub: str | None, topic: str | None,
                     now: datetime) -> bool:
    """Write down what the source's feed advertises now. A new hub or topic starts a
    new subscription (new callback and secret: the old hub's pushes are then answered
    410); no hub ends it. True when a subscription request should be sent now (the
    caller sends it and owns ``renew_at`` meanwhile)."""
    row = for_source(session, source.id) or _row(source.id, now)
    if row.id is None:
        session.add(row)
    row.discovered_at, row.discover_at, row.source_url = now, now + DISCOVER_EVERY, source.url
    if row.error.startswith("discovery:"):
        row.error = ""
    hub, topic = hub or "", (topic or source.url) if hub else ""
    if (hub, topic) != (row.hub, row.topic):
        if _leased(row, now):
            _poll_again(source, now)
        if row.hub:
            row.callback_id, row.secret = new_callback_id(), new_secret()
        row.hub, row.topic = hub, topic
        row.state = "new" if hub else "none"
        row.lease_seconds = row.lease_expires = row.verified_at = row.requested_at = None
        row.denied_at, row.failures, row.error = None, 0, ""
        row.renew_at = None
    elif not hub:
        row.state = "none"
    if row.state == "new":
        row.renew_at = now + CLAIM
        return True
    return False


def record_discovery_failure(session: Session, source_id: int, message: str, now: datetime) -> None:
    """The feed could not be read: whatever was known stays; look again sooner."""
    row = for_source(session, source_id) or _row(source_id, now)
    if row.id is None:
        session.add(row)
    row.discover_at = now + DISCOVER_RETRY
    row.error = f"discovery: {message}"[:MAX_TEXT]


@dataclass(frozen=True)
class Request:
    """A subscription request about to be sent."""

    subscription_id: int
    hub: str
    topic: str
    callback_id: str
    secret: str
    renewal: bool


def start_request(session: Session, source_id: int, now: datetime) -> Request | None:
    """Mark the source's subscription as asked for, before the request is sent (a hub
    may verify before it answers). A renewal stays ``active`` meanwhile; anything else
    becomes ``pending``. None when there is nothing to ask for."""
    row = for_source(session, source_id)
    if row is None or not row.hub or row.state not in ("new", "pending", "active", "expired", "failed"):
        return None
    renewal = row.state == "active" and row.lease_expires is not None and row.lease_expires > now
    if not renewal:
        row.state = "pending"
    row.requested_at = now
    row.renew_at = now + _verify_wait(row, now)
    return Request(row.id, row.hub, row.topic, row.callback_id, row.secret, renewal)


def _verify_wait(row: Subscription, now: datetime) -> timedelta:
    """How long an accepted request may wait for its verification: an hour, less when
    the lease ends sooner (half of what is left, at least a minute)."""
    if row.state == "active" and row.lease_expires is not None:
        left = (row.lease_expires - now) / 2
        return max(min(VERIFY_WAIT, left), timedelta(minutes=1))
    return VERIFY_WAIT


def finish_request(session: Session, request: Request, accepted: bool, message: str,
                   now: datetime) -> Subscription | None:
    """How the hub answered. A refusal or no answer is counted and tried again with
    backoff; an active subscription stays active until its lease ends."""
    row = session.get(Subscription, request.subscription_id)
    if row is None or (row.hub, row.callback_id) != (request.hub, request.callback_id):
        return None  # the source is gone, or a discovery moved it to another hub meanwhile
    if accepted:
        return row
    row.failures += 1
    row.error = message[:MAX_TEXT]
    if row.state == "pending":
        row.state = "failed"
    retry = now + timedelta(seconds=retry_seconds(row.failures))
    if row.state == "active" and row.lease_expires is not None and row.lease_expires > now:
        retry = min(retry, max(now + timedelta(seconds=1), row.lease_expires - (row.lease_expires - now) / 2))
    row.renew_at = retry
    return row


def verify(session: Session, callback_id: str, mode: str, topic: str, lease_seconds: int | None,
           default_lease: int, now: datetime) -> Subscription | None:
    """The hub's verification of intent (``mode`` subscribe): the subscription, made
    active with the hub's lease, when ``topic`` is the one asked for and a request is
    pending or the subscription active (a renewal); a request whose answer was lost
    (a timeout: recorded failed) is still pending for ``VERIFY_WAIT``. Else None
    (answer 404)."""
    row = by_callback(session, callback_id)
    if row is None or mode != "subscribe" or not row.hub or topic != row.topic:
        return None
    asked_lately = row.requested_at is not None and now - row.requested_at <= VERIFY_WAIT
    if not (row.state in ("pending", "active") or (row.state in ("failed", "expired") and asked_lately)):
        return None
    lease = min(lease_seconds if lease_seconds and lease_seconds > 0 else default_lease, MAX_LEASE)
    row.state, row.verified_at, row.lease_seconds = "active", now, lease
    row.lease_expires = now + timedelta(seconds=lease)
    row.renew_at = now + timedelta(seconds=lease * RENEW_AT)
    row.failures, row.error, row.denied_at = 0, "", None
    return row


def deny(session: Session, callback_id: str, topic: str, reason: str, now: datetime) -> Subscription | None:
    """The hub denied the subscription (now or after accepting it): it is over, and
    not asked for again until the feed names another hub or topic, or ops ask for a
    new discovery."""
    row = by_callback(session, callback_id)
    if row is None or not row.hub or topic != row.topic:
        return None
    if _leased(row, now) and (source := session.get(Source, row.source_id)) is not None:
        _poll_again(source, now)
    row.state, row.denied_at, row.renew_at = "denied", now, None
    row.lease_expires = None
    row.error = f"denied by the hub: {reason}"[:MAX_TEXT] if reason else "denied by the hub"
    return row


def _leased(row: Subscription, now: datetime) -> bool:
    """Whether the hub pushes to the source now (and the scheduler so polls it slower)."""
    return row.state == "active" and row.lease_expires is not None and row.lease_expires > now


def _poll_again(source: Source, now: datetime) -> None:
    """A lease ended before its time (the hub denied it, or the feed names another hub or
    none): the source, polled at the slower pace until then (``schedule.deferred_by_push``,
    up to the lease's end), is polled at the next tick and on its own schedule after."""
    if source.next_due is not None and source.next_due > now:
        source.next_due = now


@dataclass(frozen=True)
class Push:
    """What a content distribution came to: ``outcome`` (see ``metrics.WEBSUB_PUSHES``),
    and the source to refresh when ``refresh``."""

    outcome: str
    source_id: int | None = None
    refresh: bool = False


def record_push(session: Session, callback_id: str, verdict: str, now: datetime) -> Push:
    """A content distribution whose signature check gave ``verdict``: counted on the
    subscription either way; a good one asks for a refresh of its source, unless one
    asked for is still waiting to start."""
    row = by_callback(session, callback_id)
    if row is None:
        return Push("unknown_subscription")
    if verdict != "ok":
        row.rejected_pushes += 1
        row.last_rejected_at = now
        row.last_rejection = {"missing": "no X-Hub-Signature", "malformed": "a malformed X-Hub-Signature",
                              "unsupported": "an X-Hub-Signature with an unknown algorithm",
                              }.get(verdict, "an X-Hub-Signature that does not match")
        outcome = "missing_signature" if verdict == "missing" else (
            "malformed_signature" if verdict in ("malformed", "unsupported") else "bad_signature")
        return Push(outcome, row.source_id)
    row.pushes += 1
    row.last_push_at = now
    source = session.get(Source, row.source_id)
    if source is None or not source.enabled:
        return Push("source_disabled", row.source_id)
    waiting = session.scalar(select(exists().where(Run.source_id == row.source_id,
                                                   Run.status == "queued")))
    if waiting:
        return Push("coalesced", row.source_id)
    return Push("accepted", row.source_id, refresh=True)


def active_leases(session: Session, source_ids: list[int], now: datetime) -> dict[int, datetime]:
    """Source id to lease end, for those of ``source_ids`` a hub pushes to now."""
    if not source_ids:
        return {}
    rows = session.execute(select(Subscription.source_id, Subscription.lease_expires).where(
        Subscription.source_id.in_(source_ids), Subscription.state == "active",
        Subscription.lease_expires > now)).all()
    return {source_id: expires for source_id, expires in rows}


def ask_again(session: Session, source_id: int, now: datetime) -> Subscription | None:
    """Ops ask for the source's feed to be looked at again at the next tick; a denied or
    failed subscription is then asked for again."""
    row = for_source(session, source_id)
    if row is None:
        return None
    row.discover_at = now
    if row.state in ("denied", "failed", "expired") and row.hub:
        row.state, row.renew_at, row.failures = "new", now, 0
    return row


def _stamp(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def subscription_document(source: Source, row: Subscription | None, callback_base: str,
                          pushed_interval: int | None = None) -> dict:
    """How ops see a source's WebSub state (never its secret)."""
    document = {"source": source.id, "channel": source.channel_id, "url": source.url,
                "kind": source.kind, "every": source.every, "polled_every_while_pushed": pushed_interval}
    if row is None:
        return {**document, "state": "unknown" if source.kind in FEED_KINDS else "not_a_feed",
                "hub": None, "topic": None, "callback": None}
    return {**document, "state": row.state, "hub": row.hub or None, "topic": row.topic or None,
            "callback": f"{callback_base}websub/{row.callback_id}" if row.hub else None,
            "lease_seconds": row.lease_seconds, "lease_expires": _stamp(row.lease_expires),
            "renew_at": _stamp(row.renew_at), "requested_at": _stamp(row.requested_at),
            "verified_at": _stamp(row.verified_at), "denied_at": _stamp(row.denied_at),
            "discovered_at": _stamp(row.discovered_at), "next_discovery": _stamp(row.discover_at),
            "failures": row.failures, "error": row.error, "pushes": row.pushes,
            "last_push": _stamp(row.last_push_at), "rejected_pushes": row.rejected_pushes,
            "last_rejected": _stamp(row.last_rejected_at), "last_rejection": row.last_rejection}
