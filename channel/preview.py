"""The channel drawn as a TV home screen, from its published Roku feed.

What a developer sees here is what a box reads: the ``roku.json`` snapshot, never
the database. Rows follow the feed's categories (or its playlists), the live
feeds come first in a row of their own. The page links every format the channel
has published."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlparse

import orjson
from flask import Blueprint, Response, abort, render_template, request, url_for

from channel.context import backend
from feeds.demo import DEMO_BASE
from feeds.publish import get_or_publish
from feeds.settings import public_url

bp = Blueprint("preview", __name__)

LIVE_ROW = "Live"
PLAYABLE_FIRST = ("MP4", "M4V", "MOV", "HLS", "DASH", "SMOOTH")
CONTENT_LISTS = ("shortFormVideos", "movies", "tvSpecials")
FORMATS = (("roku.json", "public.roku", "Roku JSON feed"), ("mrss.xml", "public.mrss", "Media RSS"),
           ("search.json", "public.search", "Roku Search feed"),
           ("feed.json", "public.json_feed", "JSON Feed"),
           ("google.json", "public.google", "Google TV data feed"))
"""Each format a box or app reads: (name, route endpoint, what it is)."""
# The page loads only its own CSS and JS; pictures and videos come from wherever
# the feed points.
POLICY = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src http: https:; "
          "media-src http: https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


@bp.get("/preview/<channel>")
def home(channel: str):
    feed = published_feed(channel)
    rows = home_rows(feed)
    return page("preview/home.html", feed, channel=channel, rows=rows, formats=published_formats(channel))


@bp.get("/preview/<channel>/item/<item_id>")
def item(channel: str, item_id: str):
    feed = published_feed(channel)
    found = feed_items(feed).get(item_id)
    if found is None:
        abort(404, f"channel {channel!r} has no item {item_id!r} in its published feed")
    return page("preview/item.html", feed, channel=channel, item=found)


def page(template: str, feed: dict, **context) -> Response:
    html = render_template(template, provider=feed.get("providerName") or context["channel"],
                           language=feed.get("language"), **context)
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["Cache-Control"] = "no-store"
    return response


def published_feed(channel: str) -> dict:
    current = backend()
    snapshot = get_or_publish(current.Session, current.snapshots, channel, "roku.json")
    if snapshot is None:
        abort(404, f"channel {channel!r} has no published roku.json")
    return orjson.loads(snapshot.body)


def published_formats(channel: str) -> list[dict]:
    """The formats the channel serves now, each with its address."""
    snapshots = backend().snapshots
    return [{"name": name, "label": label, "url": url_for(endpoint, channel=channel)}
            for name, endpoint, label in FORMATS if snapshots.get(channel, name) is not None]


def feed_items(feed: dict) -> dict[str, dict]:
    """Every playable entry of the feed by id, as a tile (episodes included)."""
    entries: list[tuple[dict, bool]] = [(e, True) for e in feed.get("liveFeeds", [])]
    for name in CONTENT_LISTS:
        entries += [(e, False) for e in feed.get(name, [])]
    for series in feed.get("series", []):
        episodes = series.get("episodes", []) + [
            e for season in series.get("seasons", []) for e in season.get("episodes", [])]
        entries += [(e, False) for e in episodes]
    return {entry["id"]: tile(entry, live) for entry, live in entries if "id" in entry}


def home_rows(feed: dict) -> list[dict]:
    """The rows of the home screen: live first, then each category (or playlist)."""
    items = feed_items(feed)
    rows = []
    live = [items[e["id"]] for e in feed.get("liveFeeds", []) if e.get("id") in items]
    if live:
        rows.append({"name": LIVE_ROW, "tiles": live})
    for name, ids in named_rows(feed):
        tiles = [items[i] for i in ids if i in items]
        if tiles:
            rows.append({"name": name, "tiles": tiles})
    return rows


def named_rows(feed: dict) -> list[tuple[str, list[str]]]:
    playlists = {p.get("name"): p.get("itemIds", []) for p in feed.get("playlists", [])}
    categories = [c for c in feed.get("categories", []) if c.get("playlistName") in playlists]
    if categories:
        return [(c.get("name") or c["playlistName"], playlists[c["playlistName"]]) for c in categories]
    return list(playlists.items())


def tile(entry: dict, live: bool) -> dict:
    content = entry.get("content") or {}
    videos = [v for v in content.get("videos", []) if web_url(v.get("url"))]
    return {
        "id": entry["id"],
        "title": entry.get("title") or "Untitled",
        "thumbnail": local_url(web_url(entry.get("thumbnail"))),
        "description": entry.get("longDescription") or entry.get("shortDescription") or "",
        "short_description": entry.get("shortDescription") or "",
        "live": live,
        "duration": clock(content.get("duration")) if not live else "",
        "released": entry.get("releaseDate") or "",
        "released_text": day_text(entry.get("releaseDate")),
        "video": local_url(playable(videos)),
        "videos": [local_url(v["url"]) for v in videos],
    }


def playable(videos: list[dict]) -> str:
    """What a browser ``<video>`` can play: a progressive file (the best bitrate), else HLS."""
    def rank(video: dict) -> tuple[int, int]:
        kind = video.get("videoType", "")
        order = PLAYABLE_FIRST.index(kind) if kind in PLAYABLE_FIRST else len(PLAYABLE_FIRST)
        return order, -int(video.get("bitrate") or 0)
    return min(videos, key=rank)["url"] if videos else ""


def web_url(value: object) -> str:
    """``value`` if it is an http(s) URL, else nothing: a feed cannot put script in a page."""
    if not isinstance(value, str) or urlparse(value).scheme not in ("http", "https"):
        return ""
    return value


def local_url(url: str) -> str:
    """The bundled demo site's addresses and our artwork's, moved to this server: the
    feeds name the public address, and the preview may be served from any port."""
    if url.startswith(DEMO_BASE):
        return request.host_url + "demo-site/" + url.removeprefix(DEMO_BASE)
    media = public_url() + "media/"
    if url.startswith(media):
        return request.host_url + "media/" + url.removeprefix(media)
    return url


def clock(seconds: object) -> str:
    if not isinstance(seconds, int) or seconds <= 0:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def day_text(value: object) -> str:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return ""
    return f"{day.day} {day:%B %Y}"
