"""Which items a channel shows now: not hidden by ops, and inside their validity
window (``dcterms:valid``) when the publisher gave one."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from feeds.store.tables import Channel, Item, Publish


def showing(now: datetime) -> ColumnElement[bool]:
    return and_(Item.hidden.is_(False),
                or_(Item.valid_from.is_(None), Item.valid_from <= now),
                or_(Item.valid_until.is_(None), Item.valid_until > now))


def windows_turned(session: Session, now: datetime) -> list[str]:
    """Channels with an item whose window opened or closed since the channel was last
    published: their feeds are out of date although nothing upstream changed. A channel
    ops hold is left out: its publish would be refused, so it would be asked for again
    at every tick (media checks included) until the release, which publishes anyway."""
    last = session.execute(select(Publish.channel_id, func.max(Publish.published_at))
                           .join(Channel, Channel.id == Publish.channel_id)
                           .where(Channel.held_at.is_(None))
                           .group_by(Publish.channel_id)).all()
    return sorted(channel_id for channel_id, at in last if _turned(session, channel_id, at, now))


def _turned(session: Session, channel_id: str, since: datetime, now: datetime) -> bool:
    def crossed(column) -> ColumnElement[bool]:
        return and_(column > since, column <= now)

    return session.scalar(select(Item.id).where(
        Item.channel_id == channel_id, Item.hidden.is_(False),
        or_(crossed(Item.valid_from), crossed(Item.valid_until))).limit(1)) is not None
