"""The companion app's JSON documents: items, and a channel's home screen."""
from __future__ import annotations

from datetime import datetime

from feeds.dates import utcnow
from feeds.formats.renditions import quality, video_type
from feeds.settings import media_url
from feeds.store.editorial import LATEST, configured_rows, is_latest, row_key
from feeds.store.media import fresh_media
from feeds.store.tables import Channel, Item

HOME_ROW_LENGTH = 20


def item_summary(item: Item) -> dict:
    """The short form of an item, for rows and lists."""
    return {
        "id": item.id,
        "kind": item.kind,
        "title": item.title,
        "summary": item.summary,
        "image": image_document(item),
        "categories": list(item.categories),
        "published": item.published_local.isoformat(),
        "url": item.url,
        "duration": item.duration,
    }


def image_document(item: Item) -> dict | None:
    """The item's tile when the workers made one (``original``: the publisher's image,
    which may be any shape), else the publisher's image as it is."""
    media = fresh_media(item)
    if media is not None and media.tile:
        return {"url": media_url(media.tile), "caption": item.image_caption,
                "original": item.image_url or None}
    if not item.image_url:
        return None
    return {"url": item.image_url, "caption": item.image_caption, "original": item.image_url}


def item_document(item: Item, related: list[Item] = ()) -> dict:
    """The whole item, as ``GET /api/v1/items/<id>`` answers it."""
    return {
        **item_summary(item),
        "channel": item.channel_id,
        "author": item.author,
        "language": item.language,
        "updated": item.updated.isoformat() if item.updated else None,
        "body": list(item.body),
        "body_html": item.body_html,
        "tags": list(item.tags),
        "videos": [companion_video(video) for video in item.videos],
        "captions": companion_captions(item),
        "related": [item_summary(other) for other in related],
    }


def companion_captions(item: Item) -> list[dict]:
    """Every caption track an app can offer, once each: the files the feed names
    (``media:subTitle``, ``<track>``) and the subtitle groups the media check found in
    HLS playlists (``format: hls``, played from the stream)."""
    media = fresh_media(item)
    found: dict[str, dict] = {}
    tracks = [caption for video in item.videos for caption in video.get("captions") or []]
    for caption in [*tracks, *(media.captions if media is not None else [])]:
        url = caption.get("url") or ""
        if url and url not in found:
            found[url] = {"url": url, "language": caption.get("language") or "",
                          "name": caption.get("name") or "", "kind": caption.get("kind") or "subtitles",
                          "format": caption.get("format") or ""}
    return list(found.values())


def companion_video(video: dict) -> dict:
    return {"url": video["url"], "type": video.get("type") or "",
            "format": video_type(video.get("type", ""), video["url"]),
            "quality": quality(video.get("height")), "width": video.get("width"),
            "height": video.get("height"), "duration": video.get("duration")}


def channel_document(channel: Channel) -> dict:
    return {"id": channel.id, "title": channel.title, "provider": channel.provider_name,
            "language": channel.language, "timezone": channel.timezone}


def home_document(channel: Channel, items: list[Item], now: datetime | None = None) -> dict:
    """Rows by section, newest first, after a "Latest" row (or the channel's rows,
    in their order and lengths); pinned items first in Latest and in their
    section's row, the most recently pinned first; the live stream on top."""
    items = sorted(items, key=lambda item: item.published, reverse=True)
    live = [item_summary(item) for item in items if item.kind == "live"]
    content = [item for item in items if item.kind != "live"]
    rows = home_rows(channel, content, now or utcnow())
    return {
        "channel": channel_document(channel),
        "live": live,
        "rows": [{"name": name, "items": [item_summary(item) for item in row]}
                 for name, row in rows.items() if row],
    }


def home_rows(channel: Channel, content: list[Item], now: datetime) -> dict[str, list[Item]]:
    """``content`` (newest first) in rows, name -> items. By default the sections
    come in the order of their newest item, pins or not."""
    configured = configured_rows(channel)
    if configured is None:
        sections = [name for name in dict.fromkeys(map(_section, content)) if name]
        layout = [(LATEST, HOME_ROW_LENGTH), *((name, HOME_ROW_LENGTH) for name in sections)]
        names, match = {name: name for name in sections}, _section
    else:
        layout = [(LATEST if is_latest(name) else name, length) for name, length in configured]
        if all(name != LATEST for name, _ in layout):
            layout.insert(0, (LATEST, HOME_ROW_LENGTH))
        names = {row_key(name): name for name, _ in layout if name != LATEST}
        match = _section_key
    rows: dict[str, list[Item]] = {name: [] for name, _ in layout}
    limits = dict(layout)
    for item in pinned_first(content, now):
        for name in dict.fromkeys((LATEST, names.get(match(item)))):
            if name is not None and len(rows[name]) < limits[name]:
                rows[name].append(item)
    return rows


def pinned_first(items: list[Item], now: datetime) -> list[Item]:
    """The pinned items, most recently pinned first, then the others as they were."""
    pinned = sorted((item for item in items if item.pinned_at is not None and item.pinned(now)),
                    key=lambda item: item.pinned_at, reverse=True)
    if not pinned:
        return items
    ids = {item.id for item in pinned}
    return pinned + [item for item in items if item.id not in ids]


def _section(item: Item) -> str:
    return str(item.categories[0]) if item.categories else ""


def _section_key(item: Item) -> str:
    return row_key(_section(item))
