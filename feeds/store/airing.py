"""Which items a channel shows now: not hidden by ops, and inside their validity
window (``dcterms:valid``) when the publisher gave one."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from feeds.store.audit import last_builds
from feeds.store.tables import Item


def showing(now: datetime) -> ColumnElement[bool]:
    return and_(Item.hidden.is_(False),
                or_(Item.valid_from.is_(None), Item.valid_from <= now),
                or_(Item.valid_until.is_(None), Item.valid_until > now))


def windows_turned(session: Session, now: datetime) -> list[str]:
    """Channels with an item whose window opened or closed since the channel was last
    built (``audit.last_builds``): their feeds are out of date although nothing upstream
    changed. A channel ops hold is left out (its publish would be refused until the
    release, which publishes anyway), and so is one whose last build was refused after
    the window turned (asking again would be refused again, at every tick)."""
    return sorted(channel_id for channel_id, since in last_builds(session).items()
                  if _turned(session, channel_id, since, now))


def _turned(session: Session, channel_id: str, since: datetime, now: datetime) -> bool:
    def crossed(column) -> ColumnElement[bool]:
        return and_(column > since, column <= now)

    return session.scalar(select(Item.id).where(
        Item.channel_id == channel_id, Item.hidden.is_(False),
        or_(crossed(Item.valid_from), crossed(Item.valid_until))).limit(1)) is not None
