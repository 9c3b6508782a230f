"""The audit log: every editorial or ops change to a channel, with who asked."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feeds.dates import utcnow
from feeds.store.tables import Audit, Channel, Publish

ON_AIR = ("hide", "unhide", "pin", "unpin", "rows", "channel.change")
"""The changes that alter what a channel's feeds carry."""


def record(session: Session, channel_id: str, actor: str, action: str, target: str = "",
           **details) -> Audit:
    """Add an entry; the caller commits it with the change it describes."""
    entry = Audit(channel_id=channel_id, at=utcnow(), actor=actor, action=action, target=target,
                  details=details)
    session.add(entry)
    return entry


def entries(session: Session, channel_id: str, limit: int, before: int | None = None) -> list[Audit]:
    """The newest entries first, ``before`` an entry id to page back."""
    query = select(Audit).where(Audit.channel_id == channel_id)
    if before is not None:
        query = query.where(Audit.id < before)
    return list(session.scalars(query.order_by(Audit.id.desc()).limit(limit)))


def document(entry: Audit) -> dict:
    return {"id": entry.id, "at": entry.at.isoformat(), "actor": entry.actor,
            "action": entry.action, "target": entry.target, "details": entry.details}


def edited_since_publish(session: Session, before: datetime) -> list[str]:
    """Channels (not held) with a change that alters what airs, made after their last
    publish and before ``before``: the publish it asked for was never queued (the
    broker was down) or never ran."""
    last = (select(Publish.channel_id, func.max(Publish.published_at).label("at"))
            .group_by(Publish.channel_id).subquery())
    return sorted(session.scalars(
        select(Audit.channel_id).distinct()
        .join(last, last.c.channel_id == Audit.channel_id)
        .join(Channel, Channel.id == Audit.channel_id)
        .where(Audit.action.in_(ON_AIR), Audit.at > last.c.at, Audit.at <= before,
               Channel.held_at.is_(None))))
