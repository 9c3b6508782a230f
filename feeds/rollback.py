"""What ops do with a channel's publishes: see what a publish would change before it
goes out, put an earlier publish back on the air (holding the channel), and release
the hold, which publishes the channel as it is now."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from feeds.dates import utcnow
from feeds.formats.diff import diff_publishes, roku_item_ids
from feeds.publish import FORMATS, PublishReport, build_publish, get_channel, publish_channel, put_in_caches
from feeds.published import PublishedFeeds
from feeds.settings import Retention
from feeds.store import history
from feeds.store.tables import Item, Publish


def bodies(session: Session, publish: Publish | None) -> dict[str, bytes]:
    if publish is None:
        return {}
    return {name: snapshot.body for name, snapshot in history.files_of(session, publish).items()}


def live_bodies(session: Session, channel_id: str) -> dict[str, bytes]:
    publish_id = history.live_publish_id(session, channel_id)
    return bodies(session, history.find(session, channel_id, publish_id) if publish_id else None)


def baseline(session: Session, channel_id: str, publish_id: int, against: str) -> dict[str, bytes]:
    """The bytes a diff of ``publish_id`` compares with: ``live``, another publish's id,
    or (empty) the publish before it. ``ValueError`` for anything else, ``LookupError``
    for a publish the channel does not have."""
    if against == "live":
        return live_bodies(session, channel_id)
    if against:
        if not against.isdigit():
            raise ValueError("against must be a publish id or live")
        other = history.find(session, channel_id, int(against))
        if other is None:
            raise LookupError(f"no publish {against} of channel {channel_id!r}")
        return bodies(session, other)
    earlier = history.publishes(session, channel_id, 1, publish_id)
    return bodies(session, earlier[0] if earlier else None)


def dry_run(session: Session, snapshots: PublishedFeeds, channel_id: str,
            now: datetime | None = None) -> tuple[PublishReport, dict]:
    """The report and the diff against what is live of a publish made now; nothing
    is published. Raises ``PublishError`` when the build is invalid."""
    report, files = build_publish(session, snapshots, get_channel(session, channel_id), now or utcnow())
    return report, diff_publishes(live_bodies(session, channel_id),
                                  {name: snapshot.body for name, snapshot in files.items()})


def restore(session: Session, snapshots: PublishedFeeds, channel_id: str, publish_id: int,
            actor: str, retention: Retention = Retention()) -> Publish:
    """Serve the bytes of publish ``publish_id`` again, same ETags, on every process
    within the freshness window; the channel is held. A format the publish did not
    carry (one it predates, such as the JSON Feed) stops being served until the
    release: what is on the air is that publish, whole. ``LookupError`` when there is
    no such publish of the channel."""
    channel = get_channel(session, channel_id)
    publish = history.find(session, channel_id, publish_id)
    if publish is None:
        raise LookupError(f"no publish {publish_id} of channel {channel_id!r}")
    again = history.restore(session, channel, publish, actor, utcnow(), retention)
    session.commit()
    files = history.files_of(session, again)
    for name in FORMATS - files.keys():
        snapshots.drop(channel_id, name)
    put_in_caches(snapshots, channel_id, files)
    return again


def off_air_now(session: Session, publish: Publish, now: datetime | None = None) -> list[dict]:
    """The items a publish carries that a publish now would leave out: hidden by ops
    since, or outside their validity window. A restore puts them back on the air, as
    it puts back every byte of that publish; ops are told which."""
    ids = roku_item_ids(bodies(session, publish).get("roku.json"))
    now = now or utcnow()
    rows = session.scalars(select(Item).where(Item.id.in_(ids)).order_by(Item.id)) if ids else []
    return [{"id": item.id, "title": item.title,
             "why": "hidden by ops" if item.hidden else "outside its validity window"}
            for item in rows if not item.showing(now)]


def release(session: Session, snapshots: PublishedFeeds, channel_id: str,
            retention: Retention = Retention()) -> PublishReport:
    """Lift the hold and publish the channel as it is now."""
    history.release(get_channel(session, channel_id))
    session.commit()
    return publish_channel(session, snapshots, channel_id, trigger="release", retention=retention)
