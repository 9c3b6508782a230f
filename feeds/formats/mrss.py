"""The same content as the Roku JSON feed, as Media RSS (RSS 2.0 with the
``media:`` namespace), in the shape Roku's MRSS specification asks for.

Built with lxml, so the document is well-formed and every value escaped;
characters XML 1.0 cannot carry are dropped."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from feeds.dates import utc_iso
from feeds.formats.renditions import ADAPTIVE, bitrate, is_url, video_type
from feeds.formats.roku import Playable, RokuBuild
from feeds.formats.roku_items import playable_videos
from feeds.settings import public_url
from feeds.store.media import fresh_media
from feeds.store.tables import Channel

MEDIA = "http://search.yahoo.com/mrss/"
NAMESPACES = {"media": MEDIA}
FALLBACK_CATEGORY = "news"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    return _NOT_XML.sub("", str(value))


def _add(parent: etree._Element, tag: str, text: str | None = None, **attrs: object) -> etree._Element:
    name = f"{{{MEDIA}}}{tag[6:]}" if tag.startswith("media:") else tag
    element = etree.SubElement(parent, name, {k: xml_text(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = xml_text(text)
    return element


def media_contents(videos: list[dict], duration: int, carried: list[dict] | None = None) -> list[dict]:
    """One ``media:content`` per rendition Roku could play (of those the Roku feed
    ``carried``, when given); bitrates only matter (and are given) for single-bitrate
    files, worked out from size and duration as the Roku feed does."""
    rates = {v["url"]: v.get("bitrate") for v in carried} if carried is not None else None
    out = []
    for video in videos:
        url = video.get("url") or ""
        kind = video_type(video.get("type") or "", url)
        if not is_url(url) or kind is None or (rates is not None and url not in rates):
            continue
        attrs = {"url": url, "type": video.get("type") or None, "medium": "video",
                 "duration": int(video.get("duration") or duration),
                 "width": video.get("width"), "height": video.get("height")}
        if kind not in ADAPTIVE and (rate := (rates or {}).get(url) or bitrate(video)):
            attrs["bitrate"] = rate
        if video.get("size"):
            attrs["fileSize"] = int(video["size"])
        out.append(attrs)
    return out


def add_item(channel_el: etree._Element, playable: Playable) -> None:
    fields, item = playable.fields, playable.item
    entry = _add(channel_el, "item")
    _add(entry, "title", fields["title"])
    if is_url(item.url):
        _add(entry, "link", item.url)
    _add(entry, "guid", playable.id, isPermaLink="false")
    _add(entry, "pubDate", utc_iso(item.published))
    _add(entry, "description", fields["shortDescription"])
    _add(entry, "media:title", fields["title"])
    _add(entry, "media:description", fields["shortDescription"])
    for category in [c for c in item.categories if str(c).strip()] or [FALLBACK_CATEGORY]:
        _add(entry, "media:category", category)
    if tags := fields.get("tags"):
        _add(entry, "media:keywords", ", ".join(tags))
    _add(entry, "media:thumbnail", url=fields["thumbnail"])
    videos = playable_videos(item, fresh_media(item))
    for attrs in media_contents(videos, fields["content"]["duration"], fields["content"]["videos"]):
        _add(entry, "media:content", **attrs)
    languages = {c.get("url"): c.get("language") for v in videos for c in v.get("captions") or []}
    for caption in fields["content"].get("captions", []):
        _add(entry, "media:subTitle", href=caption["url"], lang=languages.get(caption["url"]) or caption["language"])


def site_link(roku: RokuBuild) -> str:
    """The publisher's site: the origin of the newest item's page."""
    for playable in roku.carried:
        if is_url(playable.item.url):
            parts = urlsplit(playable.item.url)
            return f"{parts.scheme}://{parts.netloc}/"
    return ""


def build_mrss(channel: Channel, roku: RokuBuild) -> bytes:
    """The items the Roku feed carries (live streams aside): the pinned ones first,
    most recently pinned first, then the others newest first."""
    rss = etree.Element("rss", version="2.0", nsmap=NAMESPACES)
    channel_el = _add(rss, "channel")
    _add(channel_el, "title", channel.title or channel.id)
    _add(channel_el, "link", site_link(roku) or f"{public_url()}preview/{channel.id}")
    _add(channel_el, "description", channel.provider_name or channel.title or channel.id)
    _add(channel_el, "language", roku.head["language"])
    _add(channel_el, "lastBuildDate", roku.head["lastUpdated"])
    pins = roku.plan.pins
    for playable in sorted(roku.carried, key=lambda p: (p.id in pins, pins.get(p.id)), reverse=True):
        if playable.kind != "liveFeeds":
            add_item(channel_el, playable)
    return etree.tostring(rss, xml_declaration=True, encoding="utf-8")


def check_mrss(body: bytes) -> list[str]:
    """Problems that would stop a reader: not well-formed, or not RSS 2.0."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    if root.tag != "rss" or root.find("channel") is None:
        return ["not an RSS 2.0 document"]
    return []
