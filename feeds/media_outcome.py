"""An item's media outcome from the checks of its URLs and its artwork: the renditions
that answered (with what the checks learnt: the best variant's picture size, the
file's size), the captions found, the renditions that did not and why, and, when
none answered, the reason the item cannot play."""
from __future__ import annotations

from datetime import datetime

from feeds.formats.renditions import ADAPTIVE, is_url, video_type
from feeds.ingest.media_checks import Check
from feeds.media_art import Art
from feeds.store.media import MEDIA_FAILED
from feeds.store.tables import Item


def urls_to_check(items: list[Item]) -> dict[str, str]:
    """Every media URL of ``items`` that Roku could play, with its Roku videoType."""
    wanted: dict[str, str] = {}
    for item in items:
        for video in item.videos or []:
            url = video.get("url") or ""
            kind = video_type(video.get("type") or "", url)
            if kind and is_url(url):
                wanted.setdefault(url, kind)
    return wanted


def enriched(video: dict, check: Check) -> dict:
    out = dict(video)
    kind = video_type(video.get("type") or "", video.get("url") or "")
    if kind in ADAPTIVE and check.height:
        out["width"], out["height"] = check.width, check.height
    if check.size and not video.get("size"):
        out["size"] = check.size
    return out


def item_outcome(item: Item, checks: dict[str, Check] | None, art: Art | None, settings_key: str,
                 next_refresh: datetime) -> dict | None:
    """What to keep for ``item``; ``None`` while a check or its artwork is unfinished.
    ``checks`` is ``None`` when media checks are off: only the artwork is kept."""
    if art is None:
        return None
    if checks is None:
        return {"spec": settings_key, "tile": art.tile, "poster": art.poster, "artwork_note": art.note,
                "checked": False, "videos": [], "captions": [], "problems": [], "problem": ""}
    videos, problems, captions = [], [], []
    for video in item.videos or []:
        url = video.get("url") or ""
        check = checks.get(url)
        if check is None and video_type(video.get("type") or "", url) and is_url(url):
            return None
        if check is None:
            videos.append(video)
        elif not check.ok:
            problems.append({"url": url, "problem": check.error})
        else:
            videos.append(enriched(video, check))
            captions += [c for c in check.captions if c not in captions]
            if check.expires and datetime.fromisoformat(check.expires) < next_refresh:
                problems.append({"url": url, "problem": f"signed URL expires at {check.expires}, "
                                                       "before the next refresh"})
    return {"spec": settings_key, "tile": art.tile, "poster": art.poster, "artwork_note": art.note,
            "checked": True, "videos": videos, "captions": captions, "problems": problems,
            "problem": _problem(item, videos, problems)}


def _problem(item: Item, videos: list[dict], problems: list[dict]) -> str:
    if videos or not problems:
        return ""
    first = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{MEDIA_FAILED}: {first['url']}: {first['problem']}{more}"
