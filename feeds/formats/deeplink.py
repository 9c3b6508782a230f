"""Deep links: the playable item or series a Roku deep link names, as the feed shows it."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from feeds.dates import utcnow
from feeds.formats.roku import RokuBuilder, Shape, series_id, source_shapes
from feeds.store.airing import showing
from feeds.store.tables import Channel, Item, Source

MEDIA_TYPES = ("movie", "episode", "season", "series", "shortFormVideo", "tvSpecial")


def source_shapes_of(session: Session, channel_id: str) -> dict[int | None, Shape]:
    return source_shapes(list(session.scalars(select(Source).where(Source.channel_id == channel_id))))


def find_playable(session: Session, channel: Channel, content_id: str) -> tuple[str, dict] | None:
    """(Roku mediaType, Roku object) of the item or series a deep link names, built
    as the Roku feed builds it (an episode within its series, for its number)."""
    shapes = source_shapes_of(session, channel.id)
    item = session.get(Item, content_id)
    if item is not None and item.channel_id == channel.id and item.showing(utcnow()):
        shape = shapes.get(item.source_id)
        items = [item] if shape is None or not shape.series else _series_items(session, shapes, shape.series)
    else:
        names = {series_id(channel.id, s.series): s.series for s in shapes.values() if s.series}
        if content_id not in names:
            return None
        items = _series_items(session, shapes, names[content_id])
    build = RokuBuilder(channel, shapes).build(items, budget=None)
    return build.find(content_id)


def _series_items(session: Session, shapes: dict[int | None, Shape], name: str) -> list[Item]:
    sources = [source_id for source_id, shape in shapes.items() if shape.series == name]
    return list(session.scalars(select(Item).where(Item.source_id.in_(sources), showing(utcnow()))))
