"""Keeping what the workers made of items' media: the image files served at
``/media/<digest>.jpg``, what each source image made at each size, the last check of
each media URL, and each item's outcome (``ItemMedia``), which the builders read.

Files live in the store, not in a media directory: every web host reads them with no
shared disk, they are backed up and restored with everything else, and a tile is made
once per source image whichever worker made it. The cost is the store's size (a tile
is 50-150 KB) and a read per request that misses the web process's own small cache;
tiles are immutable, so a CDN or a box keeps them after the first request."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from feeds.dates import utcnow
from feeds.store.tables import Artwork, Item, ItemMedia, MediaCheck, MediaFile

CHUNK = 500
MEDIA_FAILED = "media failed its check"
"""How an item left out because none of its media played is reasoned in a report."""


def digest_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def key_of(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def put_file(session: Session, body: bytes, width: int, height: int,
             content_type: str = "image/jpeg") -> str:
    """Keep ``body`` (once, whoever made it first) and return its digest."""
    digest = digest_of(body)
    if session.get(MediaFile, digest) is None:
        with session.begin_nested():
            session.add(MediaFile(digest=digest, content_type=content_type, width=width,
                                  height=height, body=body))
    return digest


def get_file(session: Session, digest: str) -> MediaFile | None:
    return session.get(MediaFile, digest)


def get_artwork(session: Session, key: str) -> Artwork | None:
    return session.get(Artwork, key)


def put_artwork(session: Session, key: str, source: str, spec: str, digest: str | None,
                error: str = "", now: datetime | None = None) -> Artwork:
    found = session.get(Artwork, key) or Artwork(key=key)
    found.source, found.spec, found.digest, found.error = source[:4096], spec, digest, error
    found.made_at = now or utcnow()
    session.add(found)
    return found


def get_checks(session: Session, urls: Iterable[str]) -> dict[str, MediaCheck]:
    keys = {key_of(url): url for url in urls}
    found: dict[str, MediaCheck] = {}
    ordered = list(keys)
    for start in range(0, len(ordered), CHUNK):
        rows = session.scalars(select(MediaCheck).where(MediaCheck.key.in_(ordered[start:start + CHUNK])))
        found.update((row.url, row) for row in rows)
    return found


def put_check(session: Session, url: str, ok: bool, error: str, details: dict,
              now: datetime | None = None) -> MediaCheck:
    key = key_of(url)
    found = session.get(MediaCheck, key) or MediaCheck(key=key, url=url)
    found.ok, found.error, found.details, found.checked_at = ok, error, details, now or utcnow()
    session.add(found)
    return found


def items_to_prepare(session: Session, channel_id: str, spec: str, now: datetime,
                     recheck: timedelta, limit: int = 2000) -> list[Item]:
    """The channel's playable items (a video or live) whose media outcome is missing,
    made for other content or another size, or older than ``recheck``; newest first."""
    rows = session.execute(
        select(Item.id, Item.kind, Item.videos, Item.content_hash, ItemMedia.content_hash,
               ItemMedia.spec, ItemMedia.updated_at)
        .outerjoin(ItemMedia, ItemMedia.item_id == Item.id)
        .where(Item.channel_id == channel_id, Item.hidden.is_(False))
        .order_by(Item.published.desc()))
    stale_before = now - recheck
    wanted = [ident for ident, kind, videos, content, made_for, made_spec, updated in rows
              if (videos or kind == "live")
              and (made_for != content or made_spec != spec or updated is None or updated < stale_before)]
    wanted = wanted[:limit]
    items: list[Item] = []
    for start in range(0, len(wanted), CHUNK):
        items += session.scalars(select(Item).where(Item.id.in_(wanted[start:start + CHUNK])))
    items.sort(key=lambda item: item.published, reverse=True)
    return items


def put_item_media(session: Session, item: Item, values: dict, now: datetime | None = None) -> ItemMedia:
    """Write the item's outcome; ``stamp`` changes whenever what the builders read does."""
    found = session.get(ItemMedia, item.id) or ItemMedia(item_id=item.id)
    for name, value in values.items():
        setattr(found, name, value)
    found.channel_id, found.content_hash = item.channel_id, item.content_hash
    found.stamp = key_of(repr(sorted((k, repr(v)) for k, v in values.items())))[:32]
    found.updated_at = now or utcnow()
    session.add(found)
    return found


def fresh_media(item: Item) -> ItemMedia | None:
    """The item's media outcome, if it was made for the item as it is now."""
    media = item.__dict__.get("media") if "media" in item.__dict__ else item.media
    return media if media is not None and media.content_hash == item.content_hash else None
