"""A video rendition as Roku sees it: its videoType (from the MIME type, else the URL's
extension), its quality (from its picture size), and whether Roku can play it."""
from __future__ import annotations

import re
from functools import cache
from urllib.parse import urlparse

UNKNOWN_QUALITY = "HD"  # most web news video is 720p or better; Roku needs some value
VIDEO_TYPES = {
    "application/x-mpegurl": "HLS", "application/vnd.apple.mpegurl": "HLS",
    "audio/mpegurl": "HLS", "audio/x-mpegurl": "HLS",
    "application/dash+xml": "DASH", "application/vnd.ms-sstr+xml": "SMOOTH",
    "video/mp4": "MP4", "video/quicktime": "MOV", "video/x-m4v": "M4V",
}
EXTENSION_TYPES = {".m3u8": "HLS", ".mpd": "DASH", ".ism": "SMOOTH", ".isml": "SMOOTH",
                   ".mp4": "MP4", ".mov": "MOV", ".m4v": "M4V"}
ADAPTIVE = {"HLS", "DASH", "SMOOTH"}
MIN_WORKED_OUT_KBPS = 64
"""Less, from a file's size over its duration, is not a video (a stub, an error page)."""
_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f]+")


def video_type(mime: str, url: str) -> str | None:
    """Roku's videoType from the MIME type, else from the URL's extension."""
    if kind := _mime_kind(mime or ""):
        return kind
    path = urlparse(url).path.lower().removesuffix("/manifest")
    return next((t for ext, t in EXTENSION_TYPES.items() if path.endswith(ext)), None)


@cache
def _mime_kind(mime: str) -> str | None:
    return VIDEO_TYPES.get(mime.split(";")[0].strip().lower())


def quality(height: int | None, width: int | None = None) -> str:
    """SD, HD (720p), FHD (1080p) or UHD (4K); a wide frame counts by its width."""
    return quality_of(lines(height, width))


def quality_of(picture_lines: int) -> str:
    if not picture_lines:
        return UNKNOWN_QUALITY
    if picture_lines >= 2160:
        return "UHD"
    return "FHD" if picture_lines >= 1080 else "HD" if picture_lines >= 720 else "SD"


def lines(height: int | None, width: int | None = None) -> int:
    return max(int(height or 0), int(width or 0) * 9 // 16)


def is_url(value: str | None) -> bool:
    """An http(s) URL with no white space or control characters: one Roku will fetch
    (a rendition, a thumbnail, an item's page)."""
    return bool(value) and _URL.fullmatch(value) is not None


def bitrate(video: dict) -> int | None:
    """kbps as declared, else the file's size over its duration (Roku needs one for a
    single file; Roku's own MRSS example gives neither)."""
    declared = video.get("bitrate")
    if isinstance(declared, (int, float)) and declared >= 1:
        return int(declared)
    size, duration = video.get("size"), video.get("duration")
    if isinstance(size, int) and isinstance(duration, (int, float)) and size > 0 and duration > 0:
        worked_out = round(size * 8 / 1000 / duration)
        return worked_out if worked_out >= MIN_WORKED_OUT_KBPS else None
    return None


def roku_videos(videos: list[dict]) -> tuple[list[dict], str | None]:
    """Each playable rendition as a Roku video, or why there is none."""
    best = max((lines(v.get("height"), v.get("width")) for v in videos), default=0)
    out: list[dict] = []
    problems: list[str] = []
    for video in videos:
        url = video.get("url") or ""
        kind = video_type(video.get("type") or "", url)
        if not is_url(url):
            problems.append("not an http(s) URL")
        elif kind is None:
            problems.append("not a format Roku plays")
        elif kind in ADAPTIVE:
            out.append({"url": url, "quality": quality_of(best), "videoType": kind})
        elif not (rate := bitrate(video)):
            problems.append(f"{kind} without bitrate")
        else:
            out.append({"url": url, "quality": quality(video.get("height"), video.get("width")),
                        "videoType": kind, "bitrate": rate})
    if out:
        return out, None
    return [], "no playable video" + (": " + ", ".join(dict.fromkeys(problems)) if problems else "")
