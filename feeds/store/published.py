"""Publish records: every publish of a channel, the bytes it put out (each kept once
however many publishes carry it), and which bytes each format serves now.

The store is the truth of what is published; Redis and each process only hold
copies (see ``feeds.published``)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from feeds.settings import Retention
from feeds.snapshots import Snapshot
from feeds.store.media import MEDIA_FAILED
from feeds.store.tables import Channel, LiveSnapshot, Publish, StoredSnapshot


def record_publish(session: Session, channel_id: str, files: dict[str, Snapshot], report: dict,
                   trigger: str, now: datetime, retention: Retention = Retention()) -> Publish:
    """Write a publish, make exactly its files live, and prune what the retention
    lets go; the caller commits."""
    for name, snapshot in files.items():
        if session.get(StoredSnapshot, (channel_id, name, snapshot.etag)) is None:
            session.add(StoredSnapshot(channel_id=channel_id, name=name, etag=snapshot.etag,
                                       content_type=snapshot.content_type, body=snapshot.body,
                                       gzip=snapshot.gzip, published_at=snapshot.published_at))
    publish = Publish(channel_id=channel_id, published_at=now, trigger=trigger, report=report,
                      files={name: snapshot.etag for name, snapshot in files.items()})
    session.add(publish)
    session.flush()
    make_live(session, publish)
    prune(session, channel_id, now, retention)
    return publish


def make_live(session: Session, publish: Publish) -> None:
    """Serve exactly the files of ``publish``: formats it did not carry stop being served."""
    session.execute(delete(LiveSnapshot).where(LiveSnapshot.channel_id == publish.channel_id,
                                               LiveSnapshot.name.not_in(list(publish.files))))
    for name, etag in publish.files.items():
        live = session.get(LiveSnapshot, (publish.channel_id, name))
        if live is None:
            session.add(LiveSnapshot(channel_id=publish.channel_id, name=name, etag=etag,
                                     publish_id=publish.id))
        else:
            live.etag, live.publish_id = etag, publish.id
    session.flush()


def live_etag(session: Session, channel_id: str, name: str) -> str | None:
    return session.scalar(select(LiveSnapshot.etag).where(LiveSnapshot.channel_id == channel_id,
                                                          LiveSnapshot.name == name))


def stored_snapshot(session: Session, channel_id: str, name: str, etag: str) -> Snapshot | None:
    row = session.get(StoredSnapshot, (channel_id, name, etag))
    if row is None:
        return None
    return Snapshot(body=row.body, gzip=row.gzip, etag=row.etag, content_type=row.content_type,
                    published_at=row.published_at)


def channel_ids(session: Session) -> frozenset[str]:
    return frozenset(session.scalars(select(Channel.id)))


def prune(session: Session, channel_id: str, now: datetime, retention: Retention) -> None:
    """Drop the publishes the retention lets go, and the bytes no kept publish carries."""
    rows = session.execute(select(Publish.id, Publish.published_at).where(Publish.channel_id == channel_id)
                           .order_by(Publish.id.desc())).all()
    if len(rows) <= retention.keep:
        return
    live = set(session.scalars(select(LiveSnapshot.publish_id).where(LiveSnapshot.channel_id == channel_id)))
    cutoff = now - timedelta(days=retention.days)
    old = [publish_id for publish_id, at in rows[retention.keep:] if publish_id not in live and at < cutoff]
    if not old:
        return
    session.execute(delete(Publish).where(Publish.id.in_(old)))
    carried = {(name, etag) for files in session.scalars(
        select(Publish.files).where(Publish.channel_id == channel_id)) for name, etag in files.items()}
    stored = session.execute(select(StoredSnapshot.name, StoredSnapshot.etag)
                             .where(StoredSnapshot.channel_id == channel_id)).all()
    for name, etag in stored:
        if (name, etag) not in carried:
            session.execute(delete(StoredSnapshot).where(
                StoredSnapshot.channel_id == channel_id, StoredSnapshot.name == name,
                StoredSnapshot.etag == etag))


def media_problems(report: dict) -> list[dict]:
    """A publish report's media problems: renditions dropped from the items it carries,
    and the items it left out because none of their media played."""
    dropped = [{"id": left["id"], "problem": left["reason"]} for left in report.get("left_out", [])
               if left.get("reason", "").startswith(MEDIA_FAILED)]
    return [*report.get("media_problems", []), *dropped]
