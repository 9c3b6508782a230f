"""The channel as a JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): its newest
articles and videos, each with our 16:9 tile as its image and its playable renditions
as attachments. Live streams stay out: a feed lists what was published, and a stream
has no date or length a reader could show."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from urllib.parse import quote, urlsplit

from feeds.dates import utc_iso
from feeds.formats.languages import roku_language
from feeds.formats.renditions import is_url, video_type
from feeds.formats.roku_items import playable_videos, title_of
from feeds.settings import media_url, public_url
from feeds.store.media import fresh_media
from feeds.store.tables import Channel, Item

VERSION = "https://jsonfeed.org/version/1.1"
CONTENT_TYPE = "application/feed+json"
MAX_ITEMS = 100
"""A reader wants the newest; a snapshot with every article's body would grow without end."""
MIME_TYPES = {"HLS": "application/vnd.apple.mpegurl", "DASH": "application/dash+xml",
              "SMOOTH": "application/vnd.ms-sstr+xml", "MP4": "video/mp4", "MOV": "video/quicktime",
              "M4V": "video/x-m4v"}


def feed_address(channel_id: str, name: str, base: str | None = None) -> str:
    """Where boxes and readers fetch a channel's ``name`` (``feed.json``, ``google.json``)."""
    return f"{base or public_url()}feeds/{quote(channel_id, safe='')}/{name}"


def tile_url(item: Item, fallback: str = "", base: str | None = None) -> str:
    """Our 16:9 tile once the workers made it, else the item's own image, else ``fallback``,
    as the Roku feed chooses a short-form video's thumbnail."""
    media = fresh_media(item)
    if media is not None and media.tile:
        return media_url(media.tile, base)
    return item.image_url if is_url(item.image_url) else fallback


def site_link(items: Iterable[Item]) -> str:
    """The publisher's site: the origin of the newest item's page."""
    for item in items:
        if is_url(item.url):
            parts = urlsplit(item.url)
            return f"{parts.scheme}://{parts.netloc}/"
    return ""


def attachments(item: Item) -> list[dict]:
    """Each rendition a player could fetch (as the workers checked them), once each."""
    found: dict[str, dict] = {}
    for video in playable_videos(item, fresh_media(item)):
        url = video.get("url") or ""
        kind = video_type(video.get("type") or "", url)
        if not is_url(url) or kind is None or url in found:
            continue
        declared = (video.get("type") or "").strip()
        mime_type = declared if video_type(declared, "") else MIME_TYPES[kind]
        attachment: dict = {"url": url, "mime_type": mime_type}
        if (seconds := video.get("duration") or item.duration) and seconds > 0:
            attachment["duration_in_seconds"] = int(seconds)
        if isinstance(video.get("size"), int) and video["size"] > 0:
            attachment["size_in_bytes"] = video["size"]
        found[url] = attachment
    return list(found.values())


def json_item(item: Item, fallback_image: str, language: str, base: str) -> dict:
    entry: dict = {"id": item.id}
    if is_url(item.url):
        entry["url"] = item.url
    if title := title_of(item):
        entry["title"] = title
    if item.body_html:
        entry["content_html"] = item.body_html
    else:
        entry["content_text"] = "\n\n".join(item.body or []) or item.summary or title
    if item.summary:
        entry["summary"] = item.summary
    if image := tile_url(item, fallback_image, base):
        entry["image"] = image
    entry["date_published"] = utc_iso(item.published)
    if item.updated is not None:
        entry["date_modified"] = utc_iso(item.updated)
    if item.author:
        entry["authors"] = [{"name": item.author}]
    if tags := list(dict.fromkeys(t for t in map(_clean, [*item.categories, *item.tags]) if t)):
        entry["tags"] = tags
    if item.language and roku_language(item.language) != language:
        entry["language"] = roku_language(item.language)
    if files := attachments(item):
        entry["attachments"] = files
    return entry


def feed_items(items: Iterable[Item]) -> Iterator[Item]:
    return (item for item in items if item.kind != "live")


def build_json_feed(channel: Channel, items: list[Item], limit: int = MAX_ITEMS) -> dict:
    """The newest ``limit`` articles and videos of ``items`` (newest first)."""
    base = public_url()
    language = roku_language(channel.language)
    fallback = channel.default_thumbnail if is_url(channel.default_thumbnail) else ""
    chosen = list(islice(feed_items(items), limit))
    doc = {"version": VERSION, "title": channel.title or channel.id,
           "home_page_url": site_link(chosen) or f"{base}preview/{quote(channel.id, safe='')}",
           "feed_url": feed_address(channel.id, "feed.json", base),
           "description": channel.provider_name or channel.title or channel.id,
           "language": language}
    if channel.provider_name:
        doc["authors"] = [{"name": channel.provider_name}]
    doc["items"] = [json_item(item, fallback, language, base) for item in chosen]
    return doc


def _clean(value: object) -> str:
    return " ".join(str(value).split())
