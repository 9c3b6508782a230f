"""What one image or video URL of a feed answers, judged as Roku takes it: for
``channel validate --media``, a preflight run by a person, not by a publish.

An image is fetched whole (up to ``IMAGE_BYTES``) and decoded whole, so that a truncated
or corrupt file is found; its header is read first and a picture of more than
``artwork.MAX_PIXELS`` is refused before it is decoded (Pillow's decompression-bomb limit
is set by ``artwork``). A thumbnail must be at least 800x450, 16:9 (within 1%), JPEG
or PNG.

A video is checked as a publish checks it (``media_checks``): an HLS playlist is fetched
and parsed (a master playlist's variants counted, the best one named), a DASH or Smooth
manifest must be one. An MP4, MOV or M4V file is asked for its first KB with a ranged
GET: it must answer, with the start of an ISO media file, and honour the range (the box
seeks in the file with ranged requests).
"""
from __future__ import annotations

from dataclasses import dataclass
from math import gcd
from urllib.parse import urlsplit

import requests

from feeds.errors import FeedError
from feeds.ingest.artwork import ArtworkError, opened
from feeds.ingest.fetch import Fetched, fetch
from feeds.ingest.media_checks import DEADLINE, Check, check_file_head, check_media

IMAGE_BYTES = 15 * 1024 * 1024
IMAGE_DEADLINE = 20.0
FILE_HEAD = 1024
"""How much of a video file is asked for: enough to see its first ISO media box."""
MIN_WIDTH, MIN_HEIGHT = 800, 450
RATIO = 16 / 9
RATIO_TOLERANCE = 0.01
THUMBNAIL_FORMATS = ("JPEG", "PNG")
FILE_TYPES = ("MP4", "MOV", "M4V")
_BY_ENDING = {".m3u8": "HLS", ".mpd": "DASH", ".ism/manifest": "SMOOTH", ".mp4": "MP4", ".mov": "MOV",
              ".m4v": "M4V"}


@dataclass(frozen=True)
class Probe:
    """What ``url`` turned out to be (``found``, e.g. "1280x720 JPEG"), and each
    problem with it, one sentence each."""

    url: str
    found: str
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def probe_image(url: str, *, http: requests.Session | None = None, allow_private: bool = False) -> Probe:
    """Fetch the image at ``url`` and judge it as a Roku thumbnail."""
    try:
        fetched = fetch(url, allow_private=allow_private, session=http, max_bytes=IMAGE_BYTES,
                        deadline=IMAGE_DEADLINE)
    except FeedError as exc:
        return Probe(url, "", (f"could not fetch the image: {exc.message}",))
    return judge_image(url, fetched.body)


def judge_image(url: str, body: bytes) -> Probe:
    """The image in ``body`` (from ``url``) judged as a Roku thumbnail."""
    try:
        fmt, width, height = decoded_size(body)
    except ArtworkError as exc:
        return Probe(url, "", (str(exc),))
    return Probe(url, f"{width}x{height} {fmt}", tuple(thumbnail_problems(fmt, width, height)))


def decoded_size(body: bytes) -> tuple[str, int, int]:
    """(format, width, height) of the image in ``body``, once it decodes whole;
    ``ArtworkError`` saying why it does not."""
    with opened(body) as image:
        fmt, (width, height) = str(image.format), image.size
        if fmt == "JPEG":
            image.draft("RGB", (max(1, width // 8), max(1, height // 8)))  # every byte read, faster
        image.load()
    return fmt, width, height


def thumbnail_problems(fmt: str, width: int, height: int) -> list[str]:
    """What Roku's thumbnail rules say of an image of this format and size."""
    problems = []
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        problems.append(f"{width}x{height} is smaller than {MIN_WIDTH}x{MIN_HEIGHT}")
    if abs(width / height - RATIO) > RATIO * RATIO_TOLERANCE:
        problems.append(f"{width}x{height} is {_ratio(width, height)}, not 16:9")
    if fmt not in THUMBNAIL_FORMATS:
        problems.append(f"a {fmt} image; a thumbnail must be JPEG or PNG")
    return problems


def _ratio(width: int, height: int) -> str:
    divisor = gcd(width, height)
    if width // divisor <= 32 and height // divisor <= 32:
        return f"{width // divisor}:{height // divisor}"
    return f"{width / height:.2f}:1"


def video_type_of(url: str, video_type: str = "") -> str:
    """The Roku videoType to check ``url`` as: the feed's, else guessed from the path."""
    if video_type.upper() in (*FILE_TYPES, "HLS", "DASH", "SMOOTH"):
        return video_type.upper()
    path = urlsplit(url).path.lower()
    return next((kind for ending, kind in _BY_ENDING.items() if path.endswith(ending)), "MP4")


def probe_video(url: str, video_type: str = "", *, http: requests.Session | None = None,
                allow_private: bool = False) -> Probe:
    """Whether the video at ``url`` answers as its ``video_type`` (HLS, DASH, SMOOTH,
    MP4, MOV, M4V) and what it is."""
    kind = video_type_of(url, video_type)
    if kind in FILE_TYPES:
        return _probe_file(url, kind, http, allow_private)
    check = check_media(url, kind, http=http, allow_private=allow_private)
    if not check.ok:
        return Probe(url, "", (check.error,))
    return Probe(url, _stream(check))


def _stream(check: Check) -> str:
    if check.container != "HLS":
        return f"{check.container} manifest"
    if not check.variants:
        return "HLS media playlist (no variants)"
    best = f"{check.width}x{check.height}" if check.width and check.height else "no resolution given"
    if check.bandwidth:
        best += f" at {check.bandwidth // 1000:,} kbps"
    subtitles = f", {_count(len(check.captions), 'subtitle track')}" if check.captions else ""
    return f"HLS master playlist: {_count(check.variants, 'variant')}, best {best}{subtitles}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' * (number != 1)}"


def _probe_file(url: str, kind: str, http: requests.Session | None, allow_private: bool) -> Probe:
    try:
        fetched = fetch(url, allow_private=allow_private, session=http, max_bytes=FILE_HEAD,
                        deadline=DEADLINE, read_timeout=10.0, headers={"Range": f"bytes=0-{FILE_HEAD - 1}"},
                        truncate=True)
    except FeedError as exc:
        return Probe(url, "", (exc.message,))
    check = check_file_head(url, fetched)
    found = _file(kind, check, fetched)
    if not check.ok:
        return Probe(url, found, (check.error,))
    if fetched.status != 206:
        return Probe(url, found, (f"answered {fetched.status} to a ranged GET, not 206: the server ignores "
                                  "Range, and the box seeks in a video file with ranged requests",))
    return Probe(url, found)


def _file(kind: str, check: Check, fetched: Fetched) -> str:
    parts = [check.container or kind, fetched.content_type or "no content type"]
    if check.size:
        parts.append(f"{check.size / 1_000_000:,.1f} MB")
    return ", ".join(parts)
