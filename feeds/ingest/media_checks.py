"""Does a video answer? One check per media URL, through the guarded fetcher.

HLS: the playlist is fetched and parsed with ``m3u8`` (given the text we fetched, never
its own downloader, which would skip the address guard): a master playlist's variants
give the picture size and bandwidth, its ``EXT-X-MEDIA TYPE=SUBTITLES`` groups the
captions. MP4/MOV/M4V: a ranged GET of the first 64 KB says the file is there, what
container it is, and (``Content-Range``) its size, from which a bitrate can be had.
DASH and Smooth: the manifest is fetched and must be one."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import m3u8
import requests

from feeds.errors import FeedError
from feeds.ingest.fetch import Fetched, fetch

PLAYLIST_BYTES = 2 * 1024 * 1024
HEAD_BYTES = 64 * 1024
DEADLINE = 15.0
_MP4_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot"}
_CONTENT_RANGE = re.compile(r"bytes\s+\d+-\d+/(\d+)")
_EXPIRY_KEYS = ("expires", "exp", "expiry", "e", "x-expires")


@dataclass
class Check:
    """What one media URL answered. ``height``/``width``/``bandwidth`` are the best
    variant's (bandwidth in bits per second); ``size`` the file's bytes."""

    url: str
    ok: bool
    error: str = ""
    transient: bool = False
    container: str = ""
    width: int | None = None
    height: int | None = None
    bandwidth: int | None = None
    size: int | None = None
    variants: int = 0
    captions: list[dict] = field(default_factory=list)
    expires: str = ""

    def details(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k not in ("url", "ok", "error") and v}

    @classmethod
    def of(cls, url: str, ok: bool, error: str, details: dict) -> Check:
        known = {k: v for k, v in (details or {}).items() if k in cls.__dataclass_fields__}
        return cls(url=url, ok=ok, error=error, **known)


def check_media(url: str, video_type: str, *, http: requests.Session | None = None,
                allow_private: bool = False, deadline: float = DEADLINE) -> Check:
    """Check ``url``, a rendition of Roku ``video_type`` (HLS, DASH, SMOOTH, MP4, MOV, M4V)."""
    try:
        if video_type == "HLS":
            check = _hls(url, _get(url, http, allow_private, deadline, PLAYLIST_BYTES))
        elif video_type in ("DASH", "SMOOTH"):
            check = _manifest(url, video_type, _get(url, http, allow_private, deadline, PLAYLIST_BYTES))
        else:
            check = _file(url, _get(url, http, allow_private, deadline, HEAD_BYTES, ranged=True))
    except FeedError as exc:
        check = Check(url, False, exc.message, transient=exc.transient)
    check.expires = signed_expiry(url)
    return check


def _get(url: str, http: requests.Session | None, allow_private: bool, deadline: float,
         max_bytes: int, ranged: bool = False) -> Fetched:
    headers = {"Range": f"bytes=0-{max_bytes - 1}"} if ranged else None
    return fetch(url, allow_private=allow_private, session=http, max_bytes=max_bytes,
                 deadline=deadline, read_timeout=min(10.0, deadline), headers=headers,
                 truncate=ranged)


def _fail(url: str, message: str) -> Check:
    return Check(url, False, message)


def _hls(url: str, fetched: Fetched) -> Check:
    text = fetched.text()
    if not text.lstrip().startswith("#EXTM3U"):
        return _fail(url, f"not an HLS playlist: got {fetched.content_type or 'no content type'}")
    try:
        playlist = m3u8.loads(text, uri=fetched.url)
    except Exception as exc:  # m3u8 raises plain exceptions on broken lines
        return _fail(url, f"invalid HLS playlist: {type(exc).__name__}: {exc}")
    if not playlist.is_variant:
        if not playlist.segments:
            return _fail(url, "HLS playlist lists no variants and no segments")
        return Check(url, True, container="HLS")
    return _master(url, playlist)


def _master(url: str, playlist: m3u8.M3U8) -> Check:
    variants = [p for p in playlist.playlists if p.uri]
    if not variants:
        return _fail(url, "HLS master playlist lists no variants")
    sizes = [v.stream_info.resolution for v in variants if v.stream_info and v.stream_info.resolution]
    width, height = max(sizes, key=lambda size: max(size[1], size[0] * 9 // 16), default=(None, None))
    bandwidths = [v.stream_info.bandwidth for v in variants if v.stream_info and v.stream_info.bandwidth]
    return Check(url, True, container="HLS", width=width, height=height,
                 bandwidth=max(bandwidths, default=None), variants=len(variants),
                 captions=_subtitles(playlist))


def _subtitles(playlist: m3u8.M3U8) -> list[dict]:
    found = []
    for media in playlist.media:
        if (media.type or "").upper() != "SUBTITLES" or not media.uri:
            continue
        characteristics = media.characteristics or ""
        closed = "public.accessibility.transcribes-spoken-dialog" in characteristics
        found.append({"url": media.absolute_uri, "language": media.language or "",
                      "name": media.name or "", "kind": "captions" if closed else "subtitles",
                      "forced": (media.forced or "").upper() == "YES", "format": "hls"})
    return found


def _manifest(url: str, kind: str, fetched: Fetched) -> Check:
    head = fetched.body[:4096].lower()
    root = b"<mpd" if kind == "DASH" else b"<smoothstreamingmedia"
    if root not in head:
        return _fail(url, f"not a {kind} manifest: got {fetched.content_type or 'no content type'}")
    return Check(url, True, container=kind)


def check_file_head(url: str, fetched: Fetched) -> Check:
    """What the first bytes of a video file (``fetched``, a ranged GET's answer) say:
    whether it is an MP4, MOV or M4V, and the whole file's size."""
    return _file(url, fetched)


def _file(url: str, fetched: Fetched) -> Check:
    head = fetched.body[:64]
    if head.lstrip()[:1] in (b"<", b"{") or fetched.content_type.startswith("text/"):
        return _fail(url, f"not a video file: got {fetched.content_type or 'text'}")
    if len(head) < 12 or head[4:8] not in _MP4_BOXES:
        return _fail(url, "not an MP4/MOV/M4V file (no ISO media box at its start)")
    return Check(url, True, container=_brand(head), size=_size(fetched))


def _brand(head: bytes) -> str:
    if head[4:8] != b"ftyp":
        return "MOV"
    brand = head[8:12]
    if brand == b"qt  ":
        return "MOV"
    return "M4V" if brand.startswith(b"M4V") else "MP4"


def _size(fetched: Fetched) -> int | None:
    """The whole file's size: the total of ``Content-Range`` (206), else ``Content-Length`` (200)."""
    if fetched.status == 206:
        found = _CONTENT_RANGE.match(fetched.headers.get("Content-Range", ""))
        return int(found.group(1)) if found else None
    length = fetched.headers.get("Content-Length", "").strip()
    return int(length) if length.isdigit() else None


def signed_expiry(url: str) -> str:
    """When a signed URL stops working (ISO 8601), from the usual query parameters:
    ``Expires``/``exp`` (Unix time, CloudFront and most CDNs), Akamai's ``exp=`` inside
    ``hdnts``/``__token__``, S3's ``X-Amz-Date`` + ``X-Amz-Expires``; else nothing."""
    pairs = {k.lower(): v for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)}
    for token in (pairs.get("hdnts"), pairs.get("__token__")):
        if token and (found := re.search(r"(?:^|[~&])exp=(\d{9,11})", token)):
            return _epoch(int(found.group(1)))
    if "x-amz-date" in pairs and pairs.get("x-amz-expires", "").isdigit():
        try:
            start = datetime.strptime(pairs["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            return ""
        return _epoch(int(start.timestamp()) + int(pairs["x-amz-expires"]))
    for key in _EXPIRY_KEYS:
        value = pairs.get(key, "")
        if value.isdigit() and 9 <= len(value) <= 11:
            return _epoch(int(value))
    return ""


def _epoch(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat()
