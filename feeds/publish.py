"""Publishing: build every format of a channel once, validate, and swap it in.

A build that fails validation is not published; the snapshot already published
stays as it was."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import datetime

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from feeds.companion import home_document
from feeds.db import utcnow
from feeds.roku import build_roku_feed
from feeds.snapshots import Snapshot
from feeds.tables import Channel, Item
from feeds.validate import validate_feed

JSON = "application/json"
REPORT = "publish-report.json"


class PublishError(Exception):
    """The channel's new feeds were refused; nothing was swapped in."""


@dataclass
class PublishReport:
    channel: str
    published_at: str
    items: int
    sizes: dict[str, int] = field(default_factory=dict)
    left_out: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def channel_items(session: Session, channel_id: str) -> list[Item]:
    return list(session.scalars(
        select(Item).where(Item.channel_id == channel_id).order_by(Item.published.desc())))


def publish_channel(session: Session, snapshots, channel_id: str,
                    now: datetime | None = None) -> PublishReport:
    """Build, validate and publish ``channel_id``. Raises ``LookupError`` for an
    unknown channel and ``PublishError`` when the build is invalid."""
    now = now or utcnow()
    channel = session.get(Channel, channel_id)
    if channel is None:
        raise LookupError(f"no channel {channel_id!r}")
    items = channel_items(session, channel_id)
    roku = build_roku_feed(channel, items, now)
    problems = validate_feed(roku.doc)
    if problems:
        first = problems[0]
        raise PublishError(f"roku feed invalid ({len(problems)} problems), first at "
                           f"{first.path or '/'}: {first.message}")
    stamp = time.time()
    documents = {
        "roku.json": (orjson.dumps(roku.doc), JSON),
        "home.json": (orjson.dumps(home_document(channel, items)), JSON),
    }
    report = PublishReport(channel=channel_id, published_at=now.isoformat(), items=len(items),
                           left_out=[{"id": i, "reason": r} for i, r in roku.left_out])
    for name, (body, content_type) in documents.items():
        snapshots.put(channel_id, name, Snapshot.of(body, content_type, stamp))
        report.sizes[name] = len(body)
    snapshots.put(channel_id, REPORT, Snapshot.of(orjson.dumps(report.to_dict()), JSON, stamp))
    return report


def get_or_publish(Session, snapshots, channel_id: str, name: str,
                   wait: float = 10.0) -> Snapshot | None:
    """The published snapshot; for a channel with nothing published yet, build and
    publish it once (one builder at a time, the others wait for its result).
    ``None`` when the channel is unknown or has nothing publishable."""
    snapshot = snapshots.get(channel_id, name)
    if snapshot is not None:
        return snapshot
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        with snapshots.lock(f"publish:{channel_id}", timeout=60) as acquired:
            if acquired:
                return _publish_once(Session, snapshots, channel_id, name)
        time.sleep(0.05)
        if (snapshot := snapshots.get(channel_id, name)) is not None:
            return snapshot
    return None


def _publish_once(Session, snapshots, channel_id: str, name: str) -> Snapshot | None:
    if (snapshot := snapshots.get(channel_id, name)) is not None:
        return snapshot
    with Session() as session:
        try:
            publish_channel(session, snapshots, channel_id)
        except (LookupError, PublishError):
            return None
    return snapshots.get(channel_id, name)
