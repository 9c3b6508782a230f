"""The audit log: every editorial or ops change to a channel, with who asked."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from feeds.dates import utcnow
from feeds.store.tables import Audit


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
