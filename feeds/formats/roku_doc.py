"""Writing a Roku feed document from the items a build carries, newest first.

Each item is a ``Row``: (published, id, what the item made, the item). The document
can be written with each item's object as dicts (to validate or look into) or as the
bytes kept with what was made (``raw``): a fragment per item, which orjson copies
into its output once. (Joining a list's bytes into one fragment first would copy
the list twice more, a cost that grows with it.)"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter

import orjson

from feeds.formats.roku_cache import Made
from feeds.formats.roku_items import LATEST, PLAYLIST_NAME_LIMIT
from feeds.store.editorial import is_latest, row_key
from feeds.store.tables import Item

PLAYLIST_LENGTH = 50
MAX_SECTIONS = 30
LISTS = {"shortFormVideos": "shortFormVideo", "movies": "movie", "tvSpecials": "tvSpecial",
         "series": "series", "liveFeeds": "liveFeed"}

Row = tuple[datetime, str, Made, Item]
"""An item made valid, newest first by (published, id)."""


@dataclass(frozen=True)
class Plan:
    """What orders the playlists besides the items themselves: the channel's
    ``rows``, (category, length) in order (``None``: Latest, then one playlist per
    section in the order of its newest item), and the ``pins`` in force at the
    build, id -> when pinned. Kept apart from what each item made (cached), so a
    pin or a row changes no item's bytes and is never served from a cache."""

    rows: tuple[tuple[str, int], ...] | None = None
    pins: dict[str, datetime] = field(default_factory=dict)


DEFAULT_PLAN = Plan()


def assemble(head: dict, carried: list[Row], numbers: dict[str, int], series: dict[str, dict],
             raw: bool = False, plan: Plan = DEFAULT_PLAN) -> dict:
    """The document of the ``carried`` rows. ``numbers`` are the episodes' numbers,
    ``series`` each series without its episodes. With ``raw``, each item's object is
    an ``orjson.Fragment`` of its bytes: the same JSON without serialising it again."""
    lists, episodes, playlists = collect(carried, raw, plan)
    lists["series"] = [series_object(series[ident], members, numbers, raw)
                       for ident, members in episodes.items()]
    return document(head, lists, playlists)


def skeleton(head: dict, rows: list[Row], plan: Plan = DEFAULT_PLAN) -> dict:
    """The document with every list that could appear, empty, and the playlists
    ``rows`` make with no ids: the fixed part of the feed's size."""
    _, _, playlists = collect(rows, raw=False, plan=plan)
    return document(head, {name: [] for name in LISTS}, {name: [] for name in playlists},
                    every_list=True)


def collect(carried: list[Row], raw: bool, plan: Plan = DEFAULT_PLAN
            ) -> tuple[dict[str, list], dict[str, list[Made]], dict[str, list[str]]]:
    """In one pass, as it runs over every carried item at every build: each list's items, each
    series' episodes, and the playlists, name -> ids newest first: "Latest", then
    one per section in the order of their newest item, or the channel's rows. A
    series stands in the playlists for its episodes. Pinned items then head Latest
    and their section's playlist."""
    lists: dict[str, list] = {name: [] for name in LISTS}
    episodes: dict[str, list[Made]] = {}
    playlists, limits, sections = frame(plan.rows)
    latest, latest_limit = playlists[LATEST], limits[LATEST]
    pins, pinned = plan.pins, []
    for _, ident, made, _ in carried:
        show = made.series
        if pins and ident in pins:
            pinned.append((pins[ident], show or ident, made))
        if show:
            episodes.setdefault(show, []).append(made)
            ident = show
        else:
            lists[made.kind].append((made.fragment or made.to_fragment()) if raw else made.fields)
            if made.kind == "liveFeeds":
                continue
        if len(latest) < latest_limit and not (show and ident in latest):
            latest.append(ident)
        section = made.section if sections is None else sections.get(made.section.casefold())
        playlist = playlists.get(section)
        if playlist is None:
            if sections is not None or not section or len(playlists) > MAX_SECTIONS:
                continue
            playlist = playlists[section] = []
        if len(playlist) < limits.get(section, PLAYLIST_LENGTH) and not (show and ident in playlist):
            playlist.append(ident)
    if pinned:
        pin_first(playlists, limits, sections, pinned)
    return lists, episodes, {name: ids for name, ids in playlists.items() if ids}


def frame(rows: tuple[tuple[str, int], ...] | None
          ) -> tuple[dict[str, list[str]], dict[str, int], dict[str, str] | None]:
    """The playlists to fill, empty and in order, their lengths, and with the
    channel's rows which playlist each section goes to (``None``: its own, made
    when its first item comes). Latest is always there, first unless placed."""
    if rows is None:
        return {LATEST: []}, {LATEST: PLAYLIST_LENGTH}, None
    playlists: dict[str, list[str]] = {}
    limits: dict[str, int] = {LATEST: PLAYLIST_LENGTH}
    sections: dict[str, str] = {}
    for category, length in rows:
        key = row_key(category)
        name = LATEST if is_latest(category) else " ".join(category.split())[:PLAYLIST_NAME_LIMIT].strip()
        if name in playlists or key in sections:
            continue
        playlists[name], limits[name] = [], length
        if name != LATEST:
            sections[key] = name
    if LATEST not in playlists:
        playlists = {LATEST: [], **playlists}
    return playlists, limits, sections


def pin_first(playlists: dict[str, list[str]], limits: dict[str, int],
              sections: dict[str, str] | None, pinned: list[tuple[datetime, str, Made]]) -> None:
    """Put the ``pinned`` (when pinned, id or series, made) first in Latest and in
    their section's playlist, the most recently pinned first, within each length.
    A section without a playlist (not in the rows, past the most) gets none."""
    pinned.sort(key=itemgetter(0), reverse=True)
    heads: dict[str, list[str]] = {}
    for _, ident, made in pinned:
        if made.kind == "liveFeeds":
            continue
        section = made.section if sections is None else sections.get(made.section.casefold())
        for name in (LATEST, section):
            if name in playlists and ident not in (head := heads.setdefault(name, [])):
                head.append(ident)
    for name, head in heads.items():
        rest = [ident for ident in playlists[name] if ident not in head]
        playlists[name][:] = (head + rest)[:limits.get(name, PLAYLIST_LENGTH)]


def document(head: dict, lists: dict[str, list], playlists: dict[str, list[str]],
             every_list: bool = False) -> dict:
    doc = dict(head)
    doc.update((name, entries) for name, entries in lists.items() if entries or every_list)
    if playlists:
        doc["playlists"] = [{"name": name, "itemIds": ids} for name, ids in playlists.items()]
        doc["categories"] = [{"name": name, "playlistName": name, "order": "manual"} for name in playlists]
    return doc


def series_object(shell: dict, episodes: list[Made], numbers: dict[str, int], raw: bool) -> dict:
    episodes = sorted(episodes, key=lambda made: (made.season or 0, numbers[made.fields["id"]]))
    entries = [orjson.Fragment(item_bytes(made, numbers)) if raw else item_fields(made, numbers)
               for made in episodes]
    if episodes[0].season is None:
        return {**shell, "episodes": entries}
    seasons: dict[int, list] = {}
    for made, entry in zip(episodes, entries):
        seasons.setdefault(made.season, []).append(entry)
    return {**shell, "seasons": [{"seasonNumber": n, "episodes": e} for n, e in seasons.items()]}


def episode_numbers(episodes: list[Row]) -> dict[str, int]:
    """Episodes (newest first) numbered by publish order, oldest first, within a
    series (or season). The number depends on the other episodes, so it is kept
    apart from what was made."""
    counters: dict[tuple[str, int | None], int] = {}
    numbers = {}
    for _, ident, made, _ in reversed(episodes):
        key = (made.series, made.season)
        numbers[ident] = counters[key] = counters.get(key, 0) + 1
    return numbers


def item_fields(made: Made, numbers: dict[str, int]) -> dict:
    if not made.series:
        return made.fields
    return {**made.fields, "episodeNumber": numbers[made.fields["id"]]}


def item_bytes(made: Made, numbers: dict[str, int]) -> bytes:
    """``orjson.dumps(item_fields(made, numbers))``, from the bytes kept with ``made``."""
    if not made.series:
        return made.to_bytes()
    return made.to_bytes()[:-1] + b',"episodeNumber":%d}' % numbers[made.fields["id"]]
