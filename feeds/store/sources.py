"""Channels and sources as ops manage them, and how they are shown back."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feeds.dates import utcnow
from feeds.store.checks import Invalid
from feeds.store.history import hold_document
from feeds.store.search import follow_language
from feeds.store.tables import Channel, Run, Source


def _stamp(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def source_document(source: Source) -> dict:
    return {"id": source.id, "channel": source.channel_id, "kind": source.kind, "url": source.url,
            "every": source.every, "category": source.category, "enabled": source.enabled,
            "title": source.title, "description": source.description,
            "thumbnail": source.thumbnail, "options": source.options or {},
            "next_due": _stamp(source.next_due), "failures": source.failures,
            "disabled_reason": source.disabled_reason}


def run_document(run: Run) -> dict:
    return {"id": run.id, "source": run.source_id, "started": _stamp(run.started),
            "finished": _stamp(run.finished), "status": run.status, "new": run.new,
            "updated": run.updated, "unchanged": run.unchanged, "error": run.error}


def channel_admin_document(channel: Channel) -> dict:
    return {"id": channel.id, "title": channel.title, "provider_name": channel.provider_name,
            "language": channel.language, "timezone": channel.timezone,
            "default_thumbnail": channel.default_thumbnail, "countries": channel.countries,
            "media": channel.media or {}, "hold": hold_document(channel)}


def create_channel(session: Session, values: dict) -> Channel:
    if session.get(Channel, values["id"]) is not None:
        raise Invalid({"id": f"channel {values['id']!r} already exists"})
    channel = Channel(**{"provider_name": values["title"], **values})
    session.add(channel)
    session.commit()
    return channel


def update_channel(session: Session, channel: Channel, values: dict) -> Channel:
    """Apply ``values``. A new language reindexes the channel's items in it, in the
    same transaction (``search.follow_language``)."""
    language = channel.language
    for name, value in values.items():
        setattr(channel, name, value)
    if channel.language != language:
        follow_language(session, channel)
    session.commit()
    return channel


def create_source(session: Session, values: dict) -> Source:
    channel_id = values.pop("channel")
    if session.get(Channel, channel_id) is None:
        raise Invalid({"channel": f"no channel {channel_id!r}"})
    source = Source(channel_id=channel_id, next_due=utcnow(), **values)
    session.add(source)
    _commit_source(session)
    return source


def find_source(session: Session, channel_id: str, url: str) -> Source | None:
    return session.scalars(
        select(Source).where(Source.channel_id == channel_id, Source.url == url)).first()


def update_source(session: Session, source: Source, values: dict, now: datetime | None = None) -> Source:
    """Apply ``values``. A new interval holds from the next tick; enabling a source
    clears its failures so it is tried again at once."""
    now = now or utcnow()
    for name, value in values.items():
        setattr(source, name, value)
    if "every" in values:
        source.next_due = min(source.next_due, now + timedelta(seconds=source.every))
    if values.get("enabled") is True:
        source.failures, source.disabled_reason, source.next_due = 0, "", now
    _commit_source(session)
    return source


def _commit_source(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Invalid({"url": "is already a source of this channel"}) from None


def recent_runs(session: Session, source_id: int, limit: int, before: int | None = None) -> list[Run]:
    query = select(Run).where(Run.source_id == source_id)
    if before is not None:
        query = query.where(Run.id < before)
    return list(session.scalars(query.order_by(Run.id.desc()).limit(limit)))
