"""Checking what ops send about channels and sources.

Used alike by the admin API, the CLI and the TOML import, so a bad value gets the
same message wherever it comes from."""
from __future__ import annotations

import re
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feeds.store.tables import SOURCE_KINDS

MIN_EVERY = 30
MAX_EVERY = 7 * 86400
INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
CHANNEL_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
COUNTRY = re.compile(r"^[a-z]{2}$")


class Invalid(ValueError):
    """Some fields are wrong; ``errors`` maps each to what is wrong with it."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


def parse_every(value: object) -> int:
    """Seconds from ``600``, ``"600"``, ``"10m"``, ``"1h"`` or ``"1d"``."""
    if isinstance(value, bool):
        raise ValueError("must be seconds or a duration such as 10m or 1h")
    if isinstance(value, int):
        seconds = value
    else:
        match = INTERVAL.match(str(value))
        if not match:
            raise ValueError("must be seconds or a duration such as 10m or 1h")
        seconds = int(match.group(1)) * UNITS[match.group(2)]
    if not MIN_EVERY <= seconds <= MAX_EVERY:
        raise ValueError(f"must be between {MIN_EVERY} seconds and {MAX_EVERY // 86400} days")
    return seconds


def _url(value: object) -> str:
    text = str(value or "").strip()
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError("must be an http or https URL")
    if len(text) > 2048:
        raise ValueError("must be at most 2048 characters")
    return text


def _text(limit: int):
    def check(value: object) -> str:
        if not isinstance(value, str):
            raise ValueError("must be a string")
        if len(value) > limit:
            raise ValueError(f"must be at most {limit} characters")
        return value.strip()
    return check


def _kind(value: object) -> str:
    if value not in SOURCE_KINDS:
        raise ValueError("must be one of " + ", ".join(SOURCE_KINDS))
    return str(value)


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


ROKU_TYPES = ("shortFormVideos", "movies", "tvSpecials", "series")
OPTION_CHECKS = {
    "follow_links": lambda v: isinstance(v, bool) or "must be true or false",
    "roku_type": lambda v: v in ROKU_TYPES or "must be one of " + ", ".join(ROKU_TYPES),
    "series": lambda v: (isinstance(v, str) and 0 < len(v.strip()) <= 200)
    or "must be a series title of 1 to 200 characters",
    "seasons": lambda v: isinstance(v, bool) or "must be true or false",
}


def _options(value: object) -> dict:
    if not isinstance(value, dict):
        raise ValueError("must be an object")
    for name, option in value.items():
        check = OPTION_CHECKS.get(name)
        verdict = check(option) if check else f"has no option {name!r}"
        if verdict is not True:
            raise ValueError(f"{name}: {verdict}" if check else verdict)
    if value.get("roku_type") == "series" and "series" not in value:
        raise ValueError("series: is required when roku_type is series")
    return value


def _optional_url(value: object) -> str:
    return _url(value) if value else ""


SOURCE_CHECKS = {"channel": _text(50), "kind": _kind, "url": _url, "every": parse_every,
                 "category": _text(200), "enabled": _bool, "title": _text(300),
                 "description": _text(2000), "thumbnail": _optional_url, "options": _options}


def _zone(value: object) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("must be an IANA time zone such as Europe/London") from exc
    return str(value)


def _channel_id(value: object) -> str:
    if not isinstance(value, str) or not CHANNEL_ID.match(value):
        raise ValueError("must be 1-50 lower-case letters, digits, '-' or '_'")
    return value


def _countries(value: object) -> list[str]:
    codes = value.split(",") if isinstance(value, str) else value
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        raise ValueError("must be a list of two-letter country codes such as [\"us\", \"ca\"]")
    codes = [code.strip().lower() for code in codes if code.strip()]
    if not all(COUNTRY.match(code) for code in codes):
        raise ValueError("must be two-letter country codes (ISO 3166-1) such as us or gb")
    return list(dict.fromkeys(codes))


MEDIA_SHAPES = {"tile": dict, "poster": dict, "posters": bool, "colours": dict, "ads": dict,
                "recheck_minutes": int, "check_concurrency": int}


def _media(value: object) -> dict:
    """A channel's media settings (see ``feeds.media_settings`` and ``feeds.formats.ads``):
    known names with values of the right kind; a value out of range keeps its default."""
    if not isinstance(value, dict):
        raise ValueError("must be an object such as {\"tile\": {\"width\": 1920, \"height\": 1080}}")
    for name, item in value.items():
        kind = MEDIA_SHAPES.get(name)
        if kind is None:
            raise ValueError(f"{name!r} is not a media setting; there are: {', '.join(MEDIA_SHAPES)}")
        if not isinstance(item, kind) or (kind is int and isinstance(item, bool)):
            raise ValueError(f"{name!r} must be {'an' if kind is int else 'a'} {kind.__name__}")
    return value


CHANNEL_CHECKS = {"id": _channel_id, "title": _text(200), "provider_name": _text(200),
                  "language": _text(16), "timezone": _zone, "default_thumbnail": _optional_url,
                  "countries": _countries, "media": _media}


def check_fields(data: object, checks: dict, required: tuple[str, ...]) -> dict:
    """The checked values of ``data``; raises ``Invalid`` naming every wrong field."""
    if not isinstance(data, dict):
        raise Invalid({"body": "must be a JSON object"})
    errors = {name: "is not a known field" for name in data if name not in checks}
    errors |= {name: "is required" for name in required if data.get(name) in (None, "")}
    values = {}
    for name, value in data.items():
        if name in checks and name not in errors:
            try:
                values[name] = checks[name](value)
            except ValueError as exc:
                errors[name] = str(exc)
    if errors:
        raise Invalid(errors)
    return values


def check_source(data: object, *, partial: bool = False) -> dict:
    required = () if partial else ("channel", "kind", "url")
    values = check_fields(data, SOURCE_CHECKS, required)
    if partial and "channel" in values:
        raise Invalid({"channel": "cannot be changed; delete the source and add it again"})
    return values


def check_channel(data: object, *, partial: bool = False) -> dict:
    values = check_fields(data, CHANNEL_CHECKS, () if partial else ("id", "title"))
    if partial and "id" in values:
        raise Invalid({"id": "cannot be changed"})
    return values
