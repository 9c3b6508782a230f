"""A channel's publish history as ops use it: pages of publishes, one publish, and
putting an earlier publish back on the air, which holds the channel until released."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from feeds.settings import Retention
from feeds.snapshots import Snapshot
from feeds.store.published import make_live, prune, stored_snapshot
from feeds.store.tables import Channel, LiveSnapshot, Publish


def publishes(session: Session, channel_id: str, limit: int, before: int | None = None) -> list[Publish]:
    """Newest first; ``before`` a publish id to page back."""
    query = select(Publish).where(Publish.channel_id == channel_id)
    if before is not None:
        query = query.where(Publish.id < before)
    return list(session.scalars(query.order_by(Publish.id.desc()).limit(limit)))


def find(session: Session, channel_id: str, publish_id: int) -> Publish | None:
    publish = session.get(Publish, publish_id)
    return publish if publish is not None and publish.channel_id == channel_id else None


def live_publish_id(session: Session, channel_id: str) -> int | None:
    return session.scalar(select(LiveSnapshot.publish_id).where(LiveSnapshot.channel_id == channel_id)
                          .order_by(LiveSnapshot.publish_id.desc()).limit(1))


def files_of(session: Session, publish: Publish) -> dict[str, Snapshot]:
    found = {name: stored_snapshot(session, publish.channel_id, name, etag)
             for name, etag in publish.files.items()}
    return {name: snapshot for name, snapshot in found.items() if snapshot is not None}


def restore(session: Session, channel: Channel, publish: Publish, actor: str, now: datetime,
            retention: Retention = Retention()) -> Publish:
    """Serve exactly the bytes of ``publish`` again, as a new publish of its own, and
    hold the channel: refreshes go on, nothing is published until it is released."""
    again = Publish(channel_id=channel.id, published_at=now, trigger=f"restore of publish {publish.id}",
                    files=dict(publish.files), report=publish.report)
    session.add(again)
    session.flush()
    make_live(session, again)
    hold(channel, actor, now, again.id)
    prune(session, channel.id, now, retention)
    return again


def hold(channel: Channel, actor: str, now: datetime, publish_id: int | None) -> None:
    channel.held_by, channel.held_at, channel.held_publish_id = actor or "ops", now, publish_id


def release(channel: Channel) -> None:
    channel.held_by, channel.held_at, channel.held_publish_id = "", None, None


def hold_document(channel: Channel) -> dict | None:
    if channel.held_at is None:
        return None
    return {"by": channel.held_by, "at": channel.held_at.isoformat(), "publish": channel.held_publish_id}
