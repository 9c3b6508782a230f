"""The channel as a Google TV / Android TV Media Actions data feed: a schema.org
``DataFeed`` of its playable videos (``VideoObject``, each with a ``WatchAction`` whose
target is our deep link) and its live stream (a ``BroadcastEvent`` on the channel's
``BroadcastService``).

Shaped as Google's Media Actions reference asks (developers.google.com/actions/media):
the envelope's ``@context`` is ``http://schema.org`` and each entity's
``["http://schema.org", {"@language": ...}]``; a watch action needs a target with a URL
template and its platforms, and an access specification (category, availability window,
regions); a ``BroadcastEvent`` carries no ``url``.

Like the search feed, it lists every item the Roku builder made valid, not only those
under the Roku feed's size budget: the deep link resolves them all."""
from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from feeds.dates import utc_iso
from feeds.formats.jsonfeed import tile_url
from feeds.formats.languages import roku_language
from feeds.formats.renditions import ADAPTIVE, is_url
from feeds.formats.roku import Playable, RokuBuild
from feeds.formats.search import QUALITIES, search_country
from feeds.settings import public_url
from feeds.store.tables import Channel, Item

CONTEXT = "http://schema.org"
PLATFORMS = ["http://schema.org/AndroidTVPlatform", "http://schema.org/AndroidPlatform"]
"""Where our deep link opens: the channel's Android TV app (and its phone companion)."""
MAX_ELEMENTS = 10_000
DESCRIPTION_LIMIT = 300
ALWAYS = timedelta(days=20 * 365)
"""Google wants an end to every availability window; for content that stays, one 20
years on. Counted from the item's publication, so that the bytes do not change between
two publishes of the same content (and its ETag stays). An item with a validity window
(``dcterms:valid``) is available exactly within it, as the Roku feed says."""
VIDEO_FORMATS = {"SD": "SD", "HD": "HD", "FHD": "HD", "UHD": "4K"}
FREE = {"@type": "Offer", "category": "free", "price": 0, "priceCurrency": "USD"}
"""Nothing to pay: a price of 0 (in whatever currency; Google wants one named)."""


def iso_duration(seconds: int) -> str:
    """ISO 8601 duration: ``PT3M32S`` for 212 seconds."""
    hours, rest = divmod(max(int(seconds), 0), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}H" if hours else "", f"{minutes}M" if minutes else "",
             f"{secs}S" if secs or not (hours or minutes) else ""]
    return "PT" + "".join(parts)


def deep_link(channel_id: str, content_id: str, media_type: str, base: str | None = None) -> str:
    """The deep link of a playable item: the address that resolves ``contentId`` and
    ``mediaType`` to what plays (``GET /api/v1/channels/<c>/deeplink``), which the
    channel's app opens."""
    query = urlencode({"contentId": content_id, "mediaType": media_type})
    return f"{base or public_url()}api/v1/channels/{quote(channel_id, safe='')}/deeplink?{query}"


def entity_id(content_id: str, base: str) -> str:
    """A stable URI of ours for an entity: its companion API address."""
    return f"{base}api/v1/items/{quote(content_id, safe='')}"


def availability(item: Item) -> tuple[datetime, datetime]:
    """When the item may be watched: its validity window where the publisher gave one,
    else from its publication on (for ``ALWAYS``)."""
    starts = item.valid_from or item.published
    return starts, item.valid_until or starts + ALWAYS


def access(starts: datetime, regions: list[str], ends: datetime | None = None) -> dict:
    return {"@type": "ActionAccessSpecification", "category": "nologinrequired",
            "availabilityStarts": utc_iso(starts), "availabilityEnds": utc_iso(ends or starts + ALWAYS),
            "eligibleRegion": [{"@type": "Country", "name": code.upper()} for code in regions],
            "expectsAcceptanceOf": FREE}


def watch_action(link: str, language: str, starts: datetime, regions: list[str],
                 ends: datetime | None = None) -> dict:
    return {"@type": "WatchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": link, "inLanguage": language,
                       "actionPlatform": PLATFORMS},
            "actionAccessibilityRequirement": access(starts, regions, ends)}


def best_video(videos: list[dict]) -> dict:
    """An adaptive stream first (a player picks its rendition), else the best file."""
    return min(videos, key=lambda v: (v["videoType"] not in ADAPTIVE, -QUALITIES.index(v["quality"])))


class GoogleFeedMaker:
    """Makes the entities of one channel's data feed."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.base = public_url()
        self.language = roku_language(channel.language)
        self.regions = list(channel.countries or []) or [search_country(channel.language)]

    def item_language(self, playable: Playable) -> str:
        return roku_language(playable.item.language) if playable.item.language else self.language

    def entity(self, kind: str, playable: Playable) -> dict:
        """What every entity of ours starts with: context, type, id, name, description, language."""
        language = self.item_language(playable)
        return {"@context": [CONTEXT, {"@language": language}], "@type": kind,
                "@id": entity_id(playable.id, self.base), "name": playable.fields["title"],
                "description": playable.fields["shortDescription"][:DESCRIPTION_LIMIT],
                "inLanguage": language}

    def video_object(self, playable: Playable) -> dict:
        item, fields = playable.item, playable.fields
        doc = self.entity("VideoObject", playable)
        if is_url(item.url):
            doc["url"] = item.url
        starts, ends = availability(item)
        doc |= {"thumbnailUrl": tile_url(item, fields["thumbnail"], self.base),
                "uploadDate": utc_iso(item.published),
                "duration": iso_duration(fields["content"]["duration"]),
                "contentUrl": best_video(fields["content"]["videos"])["url"],
                "potentialAction": watch_action(
                    deep_link(self.channel.id, playable.id, playable.media_type, self.base),
                    doc["inLanguage"], starts, self.regions, ends)}
        return doc

    def service(self, video_format: str) -> dict:
        channel = self.channel
        return {"@type": "BroadcastService", "@id": f"{self.base}channels/{quote(channel.id, safe='')}",
                "name": channel.title or channel.id,
                "broadcastDisplayName": channel.provider_name or channel.title or channel.id,
                "inLanguage": self.language, "videoFormat": video_format}

    def broadcast_event(self, playable: Playable) -> dict:
        quality = best_video(playable.fields["content"]["videos"])["quality"]
        video_format = VIDEO_FORMATS.get(quality, "HD")
        return {**self.entity("BroadcastEvent", playable), "startDate": utc_iso(playable.item.published),
                "isLiveBroadcast": True, "videoFormat": video_format,
                "publishedOn": self.service(video_format)}

    def feed(self, roku: RokuBuild, limit: int = MAX_ELEMENTS) -> dict:
        live = [p for p in roku.playables if p.kind == "liveFeeds"]
        videos = [p for p in roku.playables if p.kind != "liveFeeds"]
        elements = [self.broadcast_event(p) for p in live[:limit]]
        elements += [self.video_object(p) for p in videos[:limit - len(elements)]]
        return {"@context": CONTEXT, "@type": "DataFeed", "dateModified": roku.head["lastUpdated"],
                "dataFeedElement": elements}


def build_google_feed(channel: Channel, roku: RokuBuild, limit: int = MAX_ELEMENTS) -> dict:
    """The live streams, then every playable video the Roku builder made valid, newest first."""
    return GoogleFeedMaker(channel).feed(roku, limit)
