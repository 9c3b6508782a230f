"""What the live feeds of a channel carry, read from the published snapshots (what
the boxes read), never rebuilt."""
from __future__ import annotations

import re
from html import escape

import orjson

from channel.context import backend

ROKU_LISTS = ("shortFormVideos", "movies", "tvSpecials", "series", "liveFeeds")


def live_json(channel_id: str, name: str) -> dict:
    snapshot = backend().snapshots.get(channel_id, name)
    return orjson.loads(snapshot.body) if snapshot is not None else {}


def roku_entries(feed: dict) -> dict[str, tuple[str, dict]]:
    """Every entry of a Roku feed by id with the list it is in, episodes too."""
    found: dict[str, tuple[str, dict]] = {}
    for name in ROKU_LISTS:
        for entry in feed.get(name, []):
            found[entry["id"]] = (name, entry)
            episodes = list(entry.get("episodes", []))
            episodes += [e for season in entry.get("seasons", []) for e in season.get("episodes", [])]
            found |= {episode["id"]: ("episodes", episode) for episode in episodes}
    return found


def playlists_with(feed: dict, item_id: str) -> list[str]:
    return [p["name"] for p in feed.get("playlists", []) if item_id in p.get("itemIds", [])]


def search_asset(feed: dict, item_id: str) -> dict | None:
    return next((asset for asset in feed.get("assets", []) if asset.get("id") == item_id), None)


def mrss_entry(channel_id: str, item_id: str) -> str | None:
    """The item's ``<item>`` in the live Media RSS, exactly as served."""
    snapshot = backend().snapshots.get(channel_id, "mrss.xml")
    if snapshot is None:
        return None
    guid = f">{escape(item_id, quote=False)}</guid>"
    entries = re.findall(r"<item>.*?</item>", snapshot.body.decode("utf-8", "replace"), re.DOTALL)
    return next((entry for entry in entries if guid in entry), None)
