"""The companion app's JSON documents: items, and a channel's home screen."""
from __future__ import annotations

from feeds.formats.renditions import quality, video_type
from feeds.store.tables import Channel, Item

HOME_ROW_LENGTH = 20
LATEST = "Latest"


def item_summary(item: Item) -> dict:
    """The short form of an item, for rows and lists."""
    return {
        "id": item.id,
        "kind": item.kind,
        "title": item.title,
        "summary": item.summary,
        "image": {"url": item.image_url, "caption": item.image_caption} if item.image_url else None,
        "categories": list(item.categories),
        "published": item.published_local.isoformat(),
        "url": item.url,
        "duration": item.duration,
    }


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
        "related": [item_summary(other) for other in related],
    }


def companion_video(video: dict) -> dict:
    return {"url": video["url"], "type": video.get("type") or "",
            "format": video_type(video.get("type", ""), video["url"]),
            "quality": quality(video.get("height")), "width": video.get("width"),
            "height": video.get("height"), "duration": video.get("duration")}


def channel_document(channel: Channel) -> dict:
    return {"id": channel.id, "title": channel.title, "provider": channel.provider_name,
            "language": channel.language, "timezone": channel.timezone}


def home_document(channel: Channel, items: list[Item]) -> dict:
    """Rows by section, newest first, after a "Latest" row; the live stream on top."""
    items = sorted(items, key=lambda item: item.published, reverse=True)
    live = [item_summary(item) for item in items if item.kind == "live"]
    content = [item for item in items if item.kind != "live"]
    sections: dict[str, list[Item]] = {}
    for item in content:
        if item.categories and len(sections.setdefault(item.categories[0], [])) < HOME_ROW_LENGTH:
            sections[item.categories[0]].append(item)
    rows = [(LATEST, content[:HOME_ROW_LENGTH]), *sections.items()]
    return {
        "channel": channel_document(channel),
        "live": live,
        "rows": [{"name": name, "items": [item_summary(item) for item in row]}
                 for name, row in rows if row],
    }
