"""What one item makes in a channel's Roku feed, on its own, whatever the other items:
its Roku object and list, its series and section, or why it cannot be made valid."""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from feeds.dates import utc_iso
from feeds.formats.renditions import is_url, roku_videos
from feeds.formats.ads import AdPolicy
from feeds.formats.languages import iso639_2, roku_language
from feeds.formats.roku_cache import Made
from feeds.settings import media_url, public_url
from feeds.store.ids import item_id
from feeds.store.media import fresh_media
from feeds.store.tables import Channel, Item, ItemMedia, Source
from feeds.text import cut, lead, shorten

SHORT_LIMIT = 200
LONG_LIMIT = 500
TAG_LIMIT = 20
MAX_TAGS = 10
PLAYLIST_NAME_LIMIT = 20
LATEST = "Latest"
GENRES = ["news"]


class Shape(NamedTuple):
    """How a source's videos appear on Roku, from its ``options``:
    ``{"roku_type": "movies"}``, ``{"roku_type": "tvSpecials"}`` or
    ``{"roku_type": "series", "series": "Weekly Review", "seasons": true}``
    (seasons by year of release). Anything else: short-form videos.

    A tuple, so that a cached item's key (which holds its shape) compares in C."""

    roku_type: str = "shortFormVideos"
    series: str = ""
    seasons: bool = False
    description: str = ""
    thumbnail: str = ""

    @classmethod
    def of(cls, source: Source) -> "Shape":
        options = source.options if isinstance(source.options, dict) else {}
        kind = options.get("roku_type")
        if kind not in ("movies", "tvSpecials", "series"):
            return cls()
        name = " ".join(str(options.get("series") or source.title or "Series").split())
        return cls(roku_type=kind, series=name if kind == "series" else "",
                   seasons=kind == "series" and bool(options.get("seasons")),
                   description=source.description or "", thumbnail=source.thumbnail or "")


SHORT_FORM = Shape()


def series_id(channel_id: str, name: str) -> str:
    return "s" + item_id(channel_id, "series:" + name)


class ItemMaker:
    """Makes items valid for one channel's Roku feed: what an item makes depends on
    the item, its source's shape and ``setting``, nothing else."""

    def __init__(self, channel: Channel) -> None:
        self.channel_id = channel.id
        self.zone = zone_of(channel.timezone)
        self.default_thumbnail = channel.default_thumbnail if is_url(channel.default_thumbnail) else ""
        self.base = public_url()
        self.language = channel.language or "en"
        self.ads = AdPolicy.of(channel.media)

    @property
    def setting(self) -> tuple:
        """The channel's part in an item's object (besides its id, in series ids)."""
        return (self.zone.key, self.default_thumbnail, self.base, self.language, self.ads)

    def make(self, item: Item, shape: Shape) -> Made:
        made = self.live_feed(item) if item.kind == "live" else self.vod(item, shape)
        if made.reason:
            return made
        made.section = section_name(item)
        if made.kind == "series":
            made.series = series_id(self.channel_id, shape.series)
            made.season = self.local(item).year if shape.seasons else None
        made.to_fragment()
        return made

    def vod(self, item: Item, shape: Shape) -> Made:
        media = fresh_media(item)
        title, thumbnail = title_of(item), self.thumbnail(item, media, shape)
        videos, problem = roku_videos(playable_videos(item, media))
        duration = item.duration or max((v.get("duration") or 0 for v in item.videos), default=0)
        reason = (media and media.problem) or missing(title, thumbnail) or problem \
            or (None if duration >= 1 else "no duration")
        if reason:
            return Made(reason=reason)
        fields = {"id": item.id, "title": title, "thumbnail": thumbnail, **descriptions(item),
                  "releaseDate": self.local(item).date().isoformat(),
                  "content": {"dateAdded": utc_iso(item.published), "videos": videos,
                              "duration": int(duration), **self.extras(item, videos)}}
        if breaks := self.ads.breaks(int(duration)):
            fields["content"]["adBreaks"] = breaks
        if shape.roku_type in ("movies", "tvSpecials"):
            fields["genres"] = GENRES
        if shape.roku_type != "series" and (tags := roku_tags(item.tags)):
            fields["tags"] = tags
        return Made(shape.roku_type, fields)

    def live_feed(self, item: Item) -> Made:
        media = fresh_media(item)
        title, thumbnail = title_of(item), self.thumbnail(item, media)
        videos, problem = roku_videos(playable_videos(item, media))
        reason = (media and media.problem) or missing(title, thumbnail) or (problem and "no playable stream")
        if reason:
            return Made(reason=reason)
        fields = {"id": item.id, "title": title, "thumbnail": thumbnail, **descriptions(item),
                  "content": {"dateAdded": utc_iso(item.published), "videos": videos}}
        return Made("liveFeeds", fields)

    def extras(self, item: Item, videos: list[dict]) -> dict:
        """The content's language (the item's, else the channel's), its caption files and
        its validity window."""
        out: dict = {"language": roku_language(item.language or self.language)}
        if captions := roku_captions(item.videos, {v["url"] for v in videos}):
            out["captions"] = captions
        if item.valid_from:
            out["validityPeriodStart"] = utc_iso(item.valid_from)
        if item.valid_until:
            out["validityPeriodEnd"] = utc_iso(item.valid_until)
        return out

    def thumbnail(self, item: Item, media: ItemMedia | None = None, shape: Shape = SHORT_FORM) -> str:
        """Our tile (a 2:3 poster for movies and series when the channel makes them),
        else, until the workers made one, the item's own image, else the channel's."""
        if media is not None:
            poster = media.poster if shape.roku_type in ("movies", "series") else None
            if poster or media.tile:
                return media_url(poster or media.tile, self.base)
        return item.image_url if is_url(item.image_url) else self.default_thumbnail

    def local(self, item: Item) -> datetime:
        return item.published.astimezone(self.zone)


CAPTION_TYPES = {"captions": "CLOSED_CAPTION", "subtitles": "SUBTITLE"}


def roku_captions(videos: list[dict], carried: set[str]) -> list[dict]:
    """The caption files of the renditions carried, once each: Roku wants an http(s)
    URL, an ISO 639-2 language and a captionType. Subtitles inside an HLS stream are
    not listed: the player reads them from the stream."""
    found: dict[str, dict] = {}
    for video in videos:
        if video.get("url") not in carried:
            continue
        for caption in video.get("captions") or []:
            url, language = caption.get("url") or "", iso639_2(caption.get("language"))
            if is_url(url) and language and url not in found:
                found[url] = {"url": url, "language": language,
                              "captionType": CAPTION_TYPES.get(caption.get("kind"), "SUBTITLE")}
    return list(found.values())


def playable_videos(item: Item, media: ItemMedia | None) -> list[dict]:
    """The renditions as checked by the workers, else (not checked yet) as stored."""
    return media.videos if media is not None and media.checked else item.videos


def missing(title: str, thumbnail: str) -> str | None:
    if not title:
        return "no title"
    if not thumbnail:
        return "no thumbnail"
    return None


def descriptions(item: Item) -> dict:
    """shortDescription from the summary (else the body, else the title) and a
    longDescription from the body (else the summary) when it says more."""
    summary = lead([item.summary or ""], LONG_LIMIT)
    body = lead(item.body or [], LONG_LIMIT)
    short = cut(summary or body or lead([item.title or ""], SHORT_LIMIT), SHORT_LIMIT)
    out = {"shortDescription": short}
    long = cut(body or summary, LONG_LIMIT)
    if long and long != short:
        out["longDescription"] = long
    return out


def series_description(shape: Shape) -> str:
    text = " ".join(shape.description.split()) or f"Every episode of {shape.series}."
    return shorten(text, SHORT_LIMIT)


def roku_tags(tags: list[str]) -> list[str]:
    clean = (" ".join(str(tag).split()) for tag in tags or [])
    return [tag for tag in dict.fromkeys(clean) if 0 < len(tag) <= TAG_LIMIT][:MAX_TAGS]


def title_of(item: Item) -> str:
    return " ".join((item.title or "").split())


def section_name(item: Item) -> str:
    """The playlist of an item's outermost section (Roku allows 20 characters)."""
    categories = item.categories
    if not categories:
        return ""
    name = " ".join(str(categories[0]).split())[:PLAYLIST_NAME_LIMIT].strip()
    return "" if name == LATEST else name


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")
