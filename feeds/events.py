"""What happened that a channel's owners hear about through their webhooks: a publish,
a source failing (``FAILING_AFTER`` refreshes in a row) or disabled, a channel gone
stale (not published for ``STALE_INTERVALS`` of its most frequent source's interval),
media that failed its check (told when a publish finds a problem the one before did not).
Each returns the ids of the deliveries it queued; the workers send them."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession, sessionmaker

from feeds.dates import utcnow
from feeds.publish import PublishReport
from feeds.refresh import RunReport
from feeds.store.published import media_problems
from feeds.store.tables import Channel, Delivery, Publish, Run, Source, Webhook
from feeds.store.webhooks import queue_event

FAILING_AFTER = 3
STALE_INTERVALS = 3
MAX_PROBLEMS_TOLD = 50


def after_publish(Session: sessionmaker, report: PublishReport, trigger: str) -> list[int]:
    data = {"items": report.items, "carried": report.carried, "sizes": report.sizes,
            "left_out": len(report.left_out), "trigger": trigger}
    return _queue(Session, report.channel, "published", data) + new_media_problems(Session, report)


def new_media_problems(Session: sessionmaker, report: PublishReport) -> list[int]:
    """The media problems of this publish that the channel's publish before it did not
    have: a video that stays dead is told once, and again only after it played."""
    problems = media_problems(report.to_dict())
    if not problems:
        return []
    with Session() as session:
        before = _report_before(session, report)
    known = {_problem_key(problem) for problem in media_problems(before)}
    new = [problem for problem in problems if _problem_key(problem) not in known]
    if not new:
        return []
    return _queue(Session, report.channel, "media.problem",
                  {"count": len(new), "problems": new[:MAX_PROBLEMS_TOLD]})


def _report_before(session: OrmSession, report: PublishReport) -> dict:
    """The report of the channel's publish recorded just before ``report``'s. Not simply
    the second newest: another publish of the channel (a refresh's, an editor's) may
    have been recorded since this one, and this one would then be compared with itself."""
    at = datetime.fromisoformat(report.published_at)
    this = session.scalar(select(func.max(Publish.id)).where(Publish.channel_id == report.channel,
                                                             Publish.published_at == at))
    query = select(Publish.report).where(Publish.channel_id == report.channel)
    query = query.where(Publish.id < this) if this is not None else query.where(Publish.published_at < at)
    return session.scalars(query.order_by(Publish.id.desc()).limit(1)).first() or {}


def _problem_key(problem: dict) -> tuple:
    return problem.get("id"), problem.get("url")


def after_refresh(Session: sessionmaker, report: RunReport) -> list[int]:
    if report.status != "error":
        return []
    with Session() as session:
        source = session.get(Source, report.source_id)
        failures, disabled, reason = source.failures, not source.enabled, source.disabled_reason
        event = "source.disabled" if disabled and reason else \
            "source.failing" if failures >= FAILING_AFTER else None
        if event is None or _told(session, report.channel_id, event, report.source_id):
            return []
    data = {"source": report.source_id, "failures": failures, "error": report.error}
    return _queue(Session, report.channel_id, event, data | ({"reason": reason} if disabled else {}))


def _told(session, channel_id: str, event: str, source_id: int) -> bool:
    """Whether the owners heard ``event`` of this source since it last refreshed well
    (a refresh retried, or failing on, tells them once)."""
    since = session.scalar(select(func.max(Run.finished)).where(
        Run.source_id == source_id, Run.status.in_(("ok", "not_modified"))))
    query = select(Delivery.payload).join(Webhook).where(Webhook.channel_id == channel_id,
                                                         Delivery.event == event)
    if since is not None:
        query = query.where(Delivery.created_at > since)
    return any(payload["data"].get("source") == source_id for payload in session.scalars(query))


def stale_channels(Session: sessionmaker, now: datetime | None = None) -> list[int]:
    """Channels not published for too long, each once until it is published again."""
    now = now or utcnow()
    queued = []
    with Session() as session:
        channels = list(session.scalars(select(Channel.id).where(
            Channel.id.in_(select(Webhook.channel_id)), Channel.held_at.is_(None))))
    for channel_id in channels:
        if (stale := _stale_for(Session, channel_id, now)) is not None:
            queued += _queue(Session, channel_id, "channel.stale", {"last_publish": stale.isoformat()})
    return queued


def _stale_for(Session: sessionmaker, channel_id: str, now: datetime) -> datetime | None:
    with Session() as session:
        every = session.scalar(select(func.min(Source.every)).where(Source.channel_id == channel_id,
                                                                    Source.enabled.is_(True)))
        last = session.scalar(select(func.max(Publish.published_at)).where(Publish.channel_id == channel_id))
        if every is None or last is None or now - last < timedelta(seconds=STALE_INTERVALS * every):
            return None
        told = session.scalar(select(func.count()).select_from(Delivery).join(Webhook).where(
            Webhook.channel_id == channel_id, Delivery.event == "channel.stale", Delivery.created_at > last))
        return None if told else last


def _queue(Session: sessionmaker, channel_id: str, event: str, data: dict) -> list[int]:
    with Session() as session:
        deliveries = queue_event(session, channel_id, event, data)
        session.commit()
        return [delivery.id for delivery in deliveries]
