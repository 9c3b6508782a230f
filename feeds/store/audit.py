"""The audit log: every editorial or ops change to a channel, with who asked."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feeds.dates import utcnow
from feeds.store.tables import Audit, Channel, Publish

ON_AIR = ("hide", "unhide", "pin", "unpin", "rows", "channel.change")
"""The changes that alter what a channel's feeds carry."""
REFUSED = "publish-refused"
"""A build of the channel's feeds the validator refused (nothing was published)."""


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


def last_builds(session: Session) -> dict[str, datetime]:
    """When each published channel (not held) was last built: its last publish, or a
    later build the validator refused. A change made before it is in it, or in the
    build that was refused: asking again would only be refused again."""
    held = select(Channel.id).where(Channel.held_at.is_not(None))
    built = dict(session.execute(select(Publish.channel_id, func.max(Publish.published_at))
                                 .where(Publish.channel_id.not_in(held)).group_by(Publish.channel_id)).all())
    refused = session.execute(select(Audit.channel_id, func.max(Audit.at))
                              .where(Audit.action == REFUSED).group_by(Audit.channel_id))
    for channel_id, at in refused:
        if channel_id in built and at > built[channel_id]:
            built[channel_id] = at
    return built


def edited_since_publish(session: Session, before: datetime) -> list[str]:
    """Channels with a change that alters what airs, made after their last build and
    before ``before``: the publish it asked for was never queued (the broker was down)
    or never ran."""
    return sorted(channel_id for channel_id, since in last_builds(session).items()
                  if session.scalar(select(Audit.id).where(
                      Audit.channel_id == channel_id, Audit.action.in_(ON_AIR),
                      Audit.at > since, Audit.at <= before).limit(1)) is not None)
