"""The Roku JSON feed (Direct Publisher shape, see ROKU_FEED.md) of one channel."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from feeds.tables import Channel, Item
from feeds.text import shorten

SHORT_LIMIT = 200
LONG_LIMIT = 500
PLAYLIST_LENGTH = 50
PLAYLIST_NAME_LIMIT = 20
LATEST = "Latest"
VIDEO_TYPES = {
    "application/x-mpegurl": "HLS", "application/vnd.apple.mpegurl": "HLS",
    "application/dash+xml": "DASH", "application/vnd.ms-sstr+xml": "SMOOTH",
    "video/mp4": "MP4", "video/quicktime": "MOV", "video/x-m4v": "M4V",
}
EXTENSION_TYPES = {".m3u8": "HLS", ".mpd": "DASH", ".ism": "SMOOTH", ".mp4": "MP4",
                   ".mov": "MOV", ".m4v": "M4V"}
ADAPTIVE = {"HLS", "DASH", "SMOOTH"}


@dataclass
class RokuBuild:
    doc: dict
    left_out: list[tuple[str, str]] = field(default_factory=list)


def video_type(mime: str, url: str) -> str | None:
    if kind := VIDEO_TYPES.get((mime or "").lower()):
        return kind
    path = urlparse(url).path.lower()
    return next((t for ext, t in EXTENSION_TYPES.items() if path.endswith(ext)), None)


def quality(height: int | None) -> str:
    if not height:
        return "HD"
    return "UHD" if height >= 2160 else "FHD" if height >= 1080 else "HD" if height >= 720 else "SD"


def roku_videos(videos: list[dict]) -> list[dict]:
    """Each playable rendition as a Roku video; adaptive streams report their best quality."""
    out = []
    for video in videos:
        kind = video_type(video.get("type", ""), video["url"])
        if kind is None:
            continue
        entry = {"url": video["url"], "quality": quality(video.get("height")), "videoType": kind}
        if kind not in ADAPTIVE:
            if not video.get("bitrate"):
                continue
            entry["bitrate"] = int(video["bitrate"])
        out.append(entry)
    return out


def descriptions(item: Item) -> dict:
    text = item.summary or " ".join(item.body) or item.title
    short = shorten(text, SHORT_LIMIT)
    out = {"shortDescription": short}
    long_text = " ".join(item.body) or item.summary
    long = shorten(long_text, LONG_LIMIT)
    if long and long != short:
        out["longDescription"] = long
    return out


class RokuBuilder:
    def __init__(self, channel: Channel, now: datetime):
        self.channel = channel
        self.now = now
        self.zone = ZoneInfo(channel.timezone or "UTC")
        self.left_out: list[tuple[str, str]] = []

    def build(self, items: list[Item]) -> RokuBuild:
        items = sorted(items, key=lambda item: item.published, reverse=True)
        short_form = [v for item in items if item.kind != "live" and (v := self.short_form(item))]
        live = [v for item in items if item.kind == "live" and (v := self.live_feed(item))]
        doc = {"providerName": self.channel.provider_name or self.channel.title,
               "lastUpdated": self.now.isoformat(timespec="seconds"),
               "language": self.channel.language or "en"}
        if short_form:
            doc["shortFormVideos"] = short_form
        if live:
            doc["liveFeeds"] = live
        playlists = self.playlists(items, {v["id"] for v in short_form})
        if playlists:
            doc["playlists"] = playlists
            doc["categories"] = [{"name": p["name"], "playlistName": p["name"], "order": "manual"}
                                 for p in playlists]
        return RokuBuild(doc, self.left_out)

    def common(self, item: Item) -> dict:
        return {"id": item.id, "title": item.title or "Untitled",
                "thumbnail": item.image_url or self.channel.default_thumbnail,
                **descriptions(item)}

    def short_form(self, item: Item) -> dict | None:
        if not item.videos:
            return None
        videos = roku_videos(item.videos)
        reason = ("no playable video" if not videos else "no duration" if not item.duration
                  else "no thumbnail" if not (item.image_url or self.channel.default_thumbnail)
                  else None)
        if reason:
            self.left_out.append((item.id, reason))
            return None
        video = {**self.common(item),
                 "releaseDate": item.published.astimezone(self.zone).date().isoformat(),
                 "content": {"dateAdded": item.first_seen.isoformat(timespec="seconds"),
                             "videos": videos, "duration": int(item.duration)}}
        tags = [tag for tag in item.tags if len(tag) <= 20][:10]
        if tags:
            video["tags"] = tags
        return video

    def live_feed(self, item: Item) -> dict | None:
        videos = roku_videos(item.videos)
        if not videos:
            self.left_out.append((item.id, "no playable stream"))
            return None
        return {**self.common(item),
                "content": {"dateAdded": item.first_seen.isoformat(timespec="seconds"),
                            "videos": videos}}

    def playlists(self, items: list[Item], ids: set[str]) -> list[dict]:
        rows: dict[str, list[str]] = {LATEST: []}
        for item in items:
            if item.id not in ids:
                continue
            rows[LATEST].append(item.id)
            if item.categories:
                rows.setdefault(item.categories[0][:PLAYLIST_NAME_LIMIT], []).append(item.id)
        return [{"name": name, "itemIds": row[:PLAYLIST_LENGTH]} for name, row in rows.items() if row]


def build_roku_feed(channel: Channel, items: list[Item], now: datetime) -> RokuBuild:
    return RokuBuilder(channel, now).build(items)
