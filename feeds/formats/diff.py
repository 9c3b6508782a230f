"""What a publish changed on the TV, read from two published Roku feeds: items added,
removed and changed (and which fields), playlists and categories changed, and the
size of every format, with a one-line summary a person reads at a glance."""
from __future__ import annotations

import orjson

ITEM_LISTS = ("shortFormVideos", "movies", "tvSpecials", "liveFeeds", "series")
ROKU = "roku.json"


def diff_publishes(before: dict[str, bytes], after: dict[str, bytes]) -> dict:
    """``before`` and ``after``: each format's bytes by name."""
    old, new = _feed(before.get(ROKU)), _feed(after.get(ROKU))
    result = {"items": _items(_by_id(old), _by_id(new)),
              "playlists": _named(old.get("playlists", []), new.get("playlists", []), "itemIds"),
              "categories": _named(old.get("categories", []), new.get("categories", []), None),
              "sizes": _sizes(before, after)}
    result["summary"] = summary(result)
    return result


def _feed(body: bytes | None) -> dict:
    return orjson.loads(body) if body else {}


def _by_id(feed: dict) -> dict[str, tuple[str, dict]]:
    """Every item of the feed by id, with the list it is in; a series' episodes too."""
    items = {}
    for name in ITEM_LISTS:
        for item in feed.get(name, []):
            items[item["id"]] = (name, item)
            for season in item.get("seasons", []):
                for episode in season.get("episodes", []):
                    items[episode["id"]] = ("episodes", episode)
            for episode in item.get("episodes", []):
                items[episode["id"]] = ("episodes", episode)
    return items


def roku_item_ids(body: bytes | None) -> set[str]:
    """The ids of every item (episodes included) of a Roku feed's bytes."""
    return set(_by_id(_feed(body)))


def _brief(item_id: str, where: str, item: dict) -> dict:
    return {"id": item_id, "title": item.get("title", ""), "list": where}


def _items(old: dict, new: dict) -> dict:
    changed = []
    for item_id in old.keys() & new.keys():
        (was_in, was), (now_in, now) = old[item_id], new[item_id]
        fields = sorted(key for key in was.keys() | now.keys()
                        if key not in ("seasons", "episodes") and was.get(key) != now.get(key))
        if was_in != now_in:
            fields.append("list")
        if fields:
            changed.append({**_brief(item_id, now_in, now), "fields": fields})
    return {"added": [_brief(i, *new[i]) for i in new.keys() - old.keys()],
            "removed": [_brief(i, *old[i]) for i in old.keys() - new.keys()],
            "changed": sorted(changed, key=lambda c: c["id"])}


def _named(old: list[dict], new: list[dict], members: str | None) -> dict:
    """Playlists (their ``itemIds``) or categories, matched by name."""
    was, now = {p["name"]: p for p in old}, {p["name"]: p for p in new}
    changed = []
    for name in sorted(was.keys() & now.keys()):
        if was[name] == now[name]:
            continue
        change = {"name": name}
        if members:
            before, after = was[name].get(members, []), now[name].get(members, [])
            change |= {"added": [i for i in after if i not in before],
                       "removed": [i for i in before if i not in after],
                       "reordered": [i for i in before if i in after] != [i for i in after if i in before]}
        else:
            change["fields"] = sorted(k for k in was[name].keys() | now[name].keys()
                                      if was[name].get(k) != now[name].get(k))
        changed.append(change)
    return {"added": sorted(now.keys() - was.keys()), "removed": sorted(was.keys() - now.keys()),
            "changed": changed}


def _sizes(before: dict[str, bytes], after: dict[str, bytes]) -> dict:
    return {name: {"from": len(before.get(name, b"")), "to": len(after.get(name, b"")),
                   "change": len(after.get(name, b"")) - len(before.get(name, b""))}
            for name in sorted(before.keys() | after.keys())}


def summary(result: dict) -> str:
    items = result["items"]
    parts = [f"{len(items[kind])} items {kind}" for kind in ("added", "removed", "changed") if items[kind]]
    for what in ("playlists", "categories"):
        touched = sum(len(result[what][kind]) for kind in ("added", "removed", "changed"))
        if touched:
            parts.append(f"{touched} {what} changed")
    roku = result["sizes"].get(ROKU)
    if roku and roku["change"]:
        parts.append(f"roku.json {roku['change']:+,} bytes")
    return "; ".join(parts) or "no change on the TV"
