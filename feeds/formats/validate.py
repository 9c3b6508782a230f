"""Validate a Roku JSON feed or a Roku Search feed, with JSON Pointer paths.

One schema pass (jsonschema, compiled once) finds shape errors; one pass over the
items then checks what a schema cannot say: ids unique across the feed, playlist
and category references, the tags a category's query names, category rules,
descriptions that differ. Calendar dates are checked by the schema pass through a
format checker, so they cost no extra walk. Given the bytes, the feed's length is
checked against what Roku's template channel reads.

Checking every item with jsonschema is most of the time (about 0.3 ms an item), so
given a ``Memo`` (as a publish does) the schema pass checks each item of a list on its
own: with a check compiled from the item's schema (``validate_compiled``, about 20 µs),
asking jsonschema where and why only for the items that check fails, and skipping the
items the memo found valid against the same schema last time. The problems found are
the same.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache, partial
from importlib import resources
from typing import Any

import orjson
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from jsonschema.protocols import Validator

from feeds.formats.validate_compiled import Check, Unsupported, compile_check


@dataclass(frozen=True)
class Problem:
    path: str
    message: str


@dataclass(frozen=True)
class MediaRef:
    """A URL a feed sends the box to, where it is in the feed: ``kind`` is "image" or
    "video", ``video_type`` the video's Roku ``videoType`` (empty when it has none)."""

    path: str
    url: str
    kind: str
    video_type: str = ""


ROKU_FEED_LIMIT = 500 * 1024
"""Roku's template channel (rokudev/rdp-to-scenegraph-channel-template) parses a feed
only when it is shorter than this many characters."""


@dataclass
class Memo:
    """The items of one feed found valid by its last validation, so that the next
    validation of that feed skips them. Each is kept by a digest of the schema it was
    checked against and of its JSON: valid as a short-form video is not valid as a movie."""

    valid: set[bytes] = field(default_factory=set)


def validate_feed(doc: object, memo: Memo | None = None) -> list[Problem]:
    problems = _schema_problems("roku-feed.json", doc, memo)
    if isinstance(doc, dict):
        problems.extend(_feed_rules(doc))
    return _sorted(problems)


def validate_search_feed(doc: object, memo: Memo | None = None) -> list[Problem]:
    problems = _schema_problems("roku-search.json", doc, memo)
    if isinstance(doc, dict):
        problems.extend(_duplicate_ids((a, f"/assets/{i}") for i, a in _dicts(doc.get("assets"))))
    return _sorted(problems)


def _not_json(data: bytes) -> str:
    """What the bytes are when they are plainly no JSON document at all, or ""."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:64]
    if head.startswith(b"<"):
        return ("not valid JSON: this is XML or HTML (a Media RSS feed, a web page?); the validator "
                "checks Roku JSON, Roku Search, JSON Feed and Google TV data feeds")
    if b"\x00" in head or not _is_utf8(head):
        return "not valid JSON: this is binary data (an image, a video?)"
    return ""


def _is_utf8(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # a character cut by the 64-byte window
    return True


def validate_bytes(data: bytes) -> list[Problem]:
    """Validate a Roku JSON feed given as bytes; invalid JSON is one problem at the root,
    and so is a feed too long for Roku's template channel."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return [Problem("", _not_json(data) or f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")]
    return _sorted([*validate_feed(doc), *_length_problems(data)])


def _length_problems(data: bytes) -> list[Problem]:
    if len(data) < ROKU_FEED_LIMIT:  # never fewer bytes than characters
        return []
    length = len(data.decode("utf-8", errors="replace"))
    if length < ROKU_FEED_LIMIT:
        return []
    return [Problem("", f"the feed is {length:,} characters long; Roku's template channel reads a feed only "
                        f"under {ROKU_FEED_LIMIT:,} (500 KB): carry fewer items")]


def format_problems(problems: Iterable[Problem]) -> str:
    return "\n".join(f"{p.path or '/'}: {p.message}" for p in problems)


def _sorted(problems: Iterable[Problem]) -> list[Problem]:
    """Sort by path, numbers in a path compared as numbers (/movies/2 before /movies/10)."""
    return sorted(set(problems), key=lambda problem: (path_key(problem.path), problem.message))


def path_key(path: str) -> tuple[tuple[int, int, str], ...]:
    """A JSON pointer's sort key: numbers in it compared as numbers."""
    return tuple((0, int(t), "") if t.isdigit() else (1, 0, t) for t in path.split("/")[1:])


# Schema pass

_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DATE_TIME = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?(?:Z|[+-]([0-9]{2}):([0-9]{2}))"
)
_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("date")
def _is_real_date(value: object) -> bool:
    """Only judges values of the right shape: the schema's pattern reports the rest."""
    match = _DATE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return True
    try:
        date(*map(int, match.groups()))
    except ValueError:
        return False
    return True


@_FORMATS.checks("date-time")
def _is_real_date_time(value: object) -> bool:
    match = _DATE_TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return True
    day, hour, minute, second, off_hour, off_minute = match.groups()
    in_range = int(hour) < 24 and int(minute) < 60 and int(second) < 60
    offset_ok = off_hour is None or (int(off_hour) < 24 and int(off_minute) < 60)
    return in_range and offset_ok and _is_real_date(day)


def _required(validator: Validator, required: list[str], instance: Any, schema: dict) -> Iterator[ValidationError]:
    if validator.is_type(instance, "object"):
        for name in required:
            if name not in instance:
                yield ValidationError(f"missing required field {name!r}")


_ADDITIONAL_PROPERTIES = Draft202012Validator.VALIDATORS["additionalProperties"]


def _no_unknown_fields(validator: Validator, allowed: Any, instance: Any, schema: dict) -> Iterator[ValidationError]:
    """additionalProperties: false, reporting each unknown field at its own path and
    hinting when only its case is wrong. Other uses go to jsonschema's own check."""
    if allowed is not False or "patternProperties" in schema:
        yield from _ADDITIONAL_PROPERTIES(validator, allowed, instance, schema)
        return
    if not validator.is_type(instance, "object"):
        return
    known = schema.get("properties", {})
    by_case = {name.lower(): name for name in known}
    for name in instance:
        if name not in known:
            hint = by_case.get(name.lower())
            extra = f" (did you mean {hint!r}? names are case sensitive)" if hint else ""
            yield ValidationError(f"unknown field {name!r}{extra}", path=[name])


def _is_integer(checker: Any, instance: object) -> bool:
    """Strict: 3.0 is not an integer here, since the box would read it as a float."""
    return isinstance(instance, int) and not isinstance(instance, bool)


_FeedValidator = validators.extend(
    Draft202012Validator,
    validators={"required": _required, "additionalProperties": _no_unknown_fields},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


@cache
def _validator(name: str) -> Validator:
    text = resources.files(__package__).joinpath("schemas", name).read_text(encoding="utf-8")
    return _FeedValidator(json.loads(text), format_checker=_FORMATS)


@dataclass(frozen=True)
class _ItemSchema:
    """How the items of one list are checked; ``seed`` is a hash of the schema
    location they are checked against, which every memo key starts from."""

    seed: Any
    check: Check | None
    validator: Validator


def _schema_problems(name: str, doc: object, memo: Memo | None) -> list[Problem]:
    if memo is None or not isinstance(doc, dict):
        return _problems(_validator(name), doc)
    lists = _item_schemas(name)
    shell = dict(doc)
    problems: list[Problem] = []
    valid: set[bytes] = set()
    for key, items in doc.items():
        if key in lists and isinstance(items, list):
            shell[key] = items[:1]
            problems += _list_problems(lists[key], key, items, memo.valid, valid)
    memo.valid = valid
    return problems + _problems(_validator(name), shell)


def _list_problems(schema: _ItemSchema, key: str, items: list, known: set[bytes],
                   valid: set[bytes]) -> list[Problem]:
    """The problems of ``items[1:]``, skipping those ``known`` valid; the keys of the
    valid ones go to ``valid``."""
    problems: list[Problem] = []
    for index, item in enumerate(items[1:], 1):
        digest = _digest(schema.seed, item)
        found = [] if digest in known else _item_problems(schema, item, (key, index))
        problems += found
        if not found and digest:
            valid.add(digest)
    return problems


def _item_problems(schema: _ItemSchema, item: object, at: tuple[str, int]) -> list[Problem]:
    if schema.check is not None and schema.check(item):
        return []
    return _problems(schema.validator, item, at)


def _digest(seed: Any, item: object) -> bytes | None:
    try:
        data = orjson.dumps(item)
    except orjson.JSONEncodeError:
        return None
    hasher = seed.copy()
    hasher.update(data)
    return hasher.digest()


def _problems(validator: Validator, instance: object, at: tuple[str | int, ...] = ()) -> list[Problem]:
    return [Problem(pointer([*at, *e.absolute_path]), _message(e)) for e in validator.iter_errors(instance)]


@cache
def _item_schemas(name: str) -> dict[str, _ItemSchema]:
    """How to check the items of each list of the feed whose schema says only "a list
    of <defined item>": each can be checked on its own, apart from the feed. The first
    item stays in the feed, which keeps "not empty" rules true to it."""
    schema = _validator(name).schema
    out = {}
    for key, rule in schema["properties"].items():
        items = rule["items"] if rule.keys() == {"type", "items"} and rule["type"] == "array" else None
        ref = items.get("$ref", "") if isinstance(items, dict) and items.keys() == {"$ref"} else ""
        if ref.startswith("#/$defs/"):
            seed = hashlib.blake2b(f"{schema['$id']}{ref}".encode() + b"\0", digest_size=16)
            validator = _FeedValidator({"$defs": schema["$defs"], "$ref": ref}, format_checker=_FORMATS)
            out[key] = _ItemSchema(seed, _compiled(schema, ref), validator)
    return out


def _compiled(schema: dict, ref: str) -> Check | None:
    """The compiled check, or None (every item to jsonschema) for a schema it cannot compile."""
    formats = {name: partial(_conforms, name) for name in _FORMATS.checkers}
    try:
        return compile_check(schema, ref, formats)
    except Unsupported:
        return None


def _conforms(name: str, value: object) -> bool:
    return _FORMATS.conforms(value, name)


def pointer(path: Iterable[str | int]) -> str:
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in path)


def show(value: object) -> str:
    """A value as a message quotes it: strings in single quotes, cut to about 60 characters."""
    if isinstance(value, str):
        return f"'{value}'" if len(value) <= 58 else f"'{value[:55]}...'"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


TYPE_NAMES = {"object": "an object", "array": "a list", "string": "a string", "integer": "an integer",
               "number": "a number", "boolean": "true or false", "null": "null"}
_PY_TYPE_NAMES = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}


def _type_message(error: ValidationError) -> str:
    expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    got = _PY_TYPE_NAMES.get(type(error.instance), "a number")
    shown = "" if error.instance is None else f" {show(error.instance)}"
    return f"must be {' or '.join(TYPE_NAMES.get(t, t) for t in expected)}, got {got}{shown}"


def _size(kind: str, unit: str) -> Callable[[ValidationError], str]:
    def message(error: ValidationError) -> str:
        limit, got = error.validator_value, len(error.instance)
        if kind == "at least" and limit == 1:
            return "must not be empty"
        return f"must be {kind} {limit} {unit}, got {got}"

    return message


_MESSAGES: dict[str, Callable[[ValidationError], str]] = {
    "type": _type_message,
    "enum": lambda e: f"{show(e.instance)} is not allowed; use one of: {', '.join(map(str, e.validator_value))}",
    "const": lambda e: f"must be {show(e.validator_value)}, got {show(e.instance)}",
    "maxLength": _size("at most", "characters"),
    "minLength": _size("at least", "characters"),
    "maxItems": _size("at most", "items"),
    "minItems": _size("at least", "items"),
    "minimum": lambda e: f"must be at least {e.validator_value}, got {e.instance}",
    "maximum": lambda e: f"must be at most {e.validator_value}, got {e.instance}",
    "pattern": lambda e: f"{show(e.instance)} does not match the pattern {e.validator_value}",
    "format": lambda e: f"{show(e.instance)} is not a valid {e.validator_value}",
}


def _message(error: ValidationError) -> str:
    """The schema's own wording (``errorMessage``: ``{value}`` is the value, ``{allowed}``
    an enum's values), else ours; an enum's says which value was meant when it is clear."""
    custom = error.schema.get("errorMessage", {}) if isinstance(error.schema, dict) else {}
    enum = error.validator == "enum"
    if error.validator in custom:
        allowed = ", ".join(map(str, error.validator_value)) if enum else ""
        text = custom[error.validator].format(value=show(error.instance), allowed=allowed)
    else:
        handler = _MESSAGES.get(str(error.validator))
        text = handler(error) if handler else error.message
    return text + _meant(error.instance, error.validator_value) if enum else text


def _meant(value: object, allowed: list) -> str:
    """A hint, " (did you mean 'PG13'?)", when ``value`` is an allowed one but for case,
    spaces, dashes or underscores; else nothing."""
    if not isinstance(value, str):
        return ""
    close = [a for a in allowed if isinstance(a, str) and _loose(a) == _loose(value)]
    close.sort(key=lambda a: a.casefold() != value.casefold())  # the one differing only in case first
    return f" (did you mean {show(close[0])}?)" if close else ""


def _loose(text: str) -> str:
    return re.sub(r"[\s_-]+", "", text).casefold()


# Rules a schema cannot say

_LISTS = {"movies": "a movie", "series": "a series", "shortFormVideos": "a short-form video",
          "tvSpecials": "a TV special", "liveFeeds": "a live feed"}
_PLAYLIST_KINDS = {"a movie", "a series", "a short-form video", "a TV special"}
_QUERY_ORDERS = {"most_recent", "chronological", "most_popular"}

_Item = tuple[dict, str]


def _dicts(value: object) -> Iterator[tuple[int, dict]]:
    if isinstance(value, list):
        yield from ((i, v) for i, v in enumerate(value) if isinstance(v, dict))


def _items(doc: dict) -> Iterator[tuple[str, dict, str]]:
    """Every item that carries an id, with its kind and pointer, in document order."""
    for key in (k for k in doc if k in _LISTS):
        kind = _LISTS[key]
        for i, item in _dicts(doc[key]):
            yield kind, item, f"/{key}/{i}"
            if key == "series":
                yield from (("an episode", ep, path) for ep, path in _episodes(item, f"/series/{i}"))


def _episodes(series: dict, path: str) -> Iterator[_Item]:
    for i, episode in _dicts(series.get("episodes")):
        yield episode, f"{path}/episodes/{i}"
    for s, season in _dicts(series.get("seasons")):
        for i, episode in _dicts(season.get("episodes")):
            yield episode, f"{path}/seasons/{s}/episodes/{i}"


def _feed_rules(doc: dict) -> list[Problem]:
    kinds: dict[str, tuple[str, str]] = {}
    located: list[_Item] = []
    problems: list[Problem] = []
    tags: set[str] = set()
    for kind, item, path in _items(doc):
        located.append((item, path))
        ident = item.get("id")
        if isinstance(ident, str) and _replaces(kinds.get(ident), kind):
            kinds[ident] = (kind, path)
        problems.extend(_description_problems(item, path))
        tags.update(_tag_key(tag) for tag in _strings(item.get("tags")))
    problems.extend(_duplicate_ids(located))
    playlist_problems, playlist_names = _playlist_rules(doc, kinds)
    problems.extend(playlist_problems)
    for i, category in _dicts(doc.get("categories")):
        problems.extend(_category_problems(category, f"/categories/{i}", playlist_names, tags))
    return problems


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, list):
        yield from (v for v in value if isinstance(v, str))


def _tag_key(tag: str) -> str:
    """How a query's tag is matched to an item's: spaces collapsed, case ignored."""
    return " ".join(tag.split()).casefold()


def _replaces(known: tuple[str, str] | None, kind: str) -> bool:
    """When an id is used twice (reported apart), playlists resolve it to an item they may hold."""
    return known is None or (known[0] not in _PLAYLIST_KINDS and kind in _PLAYLIST_KINDS)


def _duplicate_ids(items: Iterable[_Item]) -> Iterator[Problem]:
    first: dict[str, str] = {}
    count: dict[str, int] = {}
    for item, path in items:
        ident = item.get("id")
        if not isinstance(ident, str):
            continue
        count[ident] = count.get(ident, 0) + 1
        if ident in first:
            times = "twice" if count[ident] == 2 else f"{count[ident]} times"
            yield Problem(f"{path}/id", f"id {show(ident)} is used {times} (first at {first[ident]})")
        else:
            first[ident] = f"{path}/id"


def _description_problems(item: dict, path: str) -> Iterator[Problem]:
    short, long = item.get("shortDescription"), item.get("longDescription")
    if isinstance(short, str) and isinstance(long, str) and short.strip() == long.strip():
        yield Problem(f"{path}/longDescription", "must differ from shortDescription (leave it out if there is no more to say)")


def _playlist_rules(doc: dict, kinds: dict[str, tuple[str, str]]) -> tuple[list[Problem], set[str]]:
    """The playlists' problems, and the playlist names for the categories to refer to."""
    problems: list[Problem] = []
    names: dict[str, str] = {}
    for i, playlist in _dicts(doc.get("playlists")):
        path, name = f"/playlists/{i}", playlist.get("name")
        if isinstance(name, str) and name in names:
            problems.append(Problem(f"{path}/name", f"playlist name {show(name)} is used twice (first at {names[name]})"))
        elif isinstance(name, str):
            names[name] = f"{path}/name"
        item_ids = playlist.get("itemIds")
        for j, item_id in enumerate(item_ids if isinstance(item_ids, list) else []):
            if isinstance(item_id, str):
                problems.extend(_item_id_problems(item_id, f"{path}/itemIds/{j}", kinds))
    return problems, set(names)


def _item_id_problems(item_id: str, path: str, kinds: dict[str, tuple[str, str]]) -> Iterator[Problem]:
    if item_id not in kinds:
        yield Problem(path, f"no movie, series, short-form video or TV special has id {show(item_id)}")
        return
    kind, where = kinds[item_id]
    if kind not in _PLAYLIST_KINDS:
        yield Problem(path, f"id {show(item_id)} is {kind} (at {where}); a playlist can hold only "
                            "movies, series, short-form videos and TV specials")


def _category_problems(category: dict, path: str, playlist_names: set[str],
                       tags: set[str]) -> Iterator[Problem]:
    has_playlist, has_query = "playlistName" in category, "query" in category
    if has_playlist == has_query:
        which = "has both playlistName and query" if has_playlist else "has neither playlistName nor query"
        yield Problem(path, f"{which}; a category needs exactly one of them")
    name, query, order = category.get("playlistName"), category.get("query"), category.get("order")
    if isinstance(name, str) and name not in playlist_names:
        yield Problem(f"{path}/playlistName", f"no playlist named {show(name)} in this feed")
    if isinstance(query, str):
        yield from _query_problems(query, f"{path}/query", tags)
    if has_playlist and not has_query and order in _QUERY_ORDERS:
        yield Problem(f"{path}/order", f"must be 'manual' for a playlist category, got {show(order)}")
    if has_query and not has_playlist and order == "manual":
        yield Problem(f"{path}/order", "'manual' is only for playlist categories; use most_recent, chronological or most_popular")


def _query_problems(query: str, path: str, tags: set[str]) -> Iterator[Problem]:
    """A query is tags (which may hold spaces) joined by AND or by OR; each tag must be
    one that an item of the feed carries, or the category stays empty."""
    words = query.split()
    if not words:
        return
    if {"AND", "OR"} <= set(words):
        yield Problem(path, "mixes AND and OR; join the tags with AND only or with OR only")
    terms: list[list[str]] = [[]]
    for word in words:
        if word in ("AND", "OR"):
            terms.append([])
        else:
            terms[-1].append(word)
    if not all(terms):
        yield Problem(path, "has an AND or OR with no tag on one side")
    unknown = [" ".join(t) for t in terms if t and _tag_key(" ".join(t)) not in tags]
    if unknown:
        shown = [show(tag) for tag in unknown]
        names = f"tags {', '.join(shown[:-1])} and {shown[-1]}" if len(shown) > 1 else f"tag {shown[0]}"
        lower = any(word in ("and", "or") for tag in unknown for word in tag.split())
        hint = " (AND and OR are written in capitals)" if lower else ""
        yield Problem(path, f"no item carries the {names}; a query can only use tags that items of the feed "
                            f"have{hint}")


# What ``validate --media`` fetches

def feed_media(doc: object) -> list[MediaRef]:
    """The images and videos of a Roku feed, in path order: each item's thumbnail (and a
    live feed's brandedThumbnail), each season's thumbnail, each video of an item's
    content. Only http(s) URLs: the schema reports the rest."""
    if not isinstance(doc, dict):
        return []
    found: list[MediaRef] = []
    for _, item, path in _items(doc):
        found += _images(item, path, ("thumbnail", "brandedThumbnail"))
        content = item.get("content")
        for i, video in _dicts(content.get("videos") if isinstance(content, dict) else None):
            found += _refs(video, f"{path}/content/videos/{i}", "url", "video", video.get("videoType"))
    for i, series in _dicts(doc.get("series")):
        for s, season in _dicts(series.get("seasons")):
            found += _images(season, f"/series/{i}/seasons/{s}", ("thumbnail",))
    return sorted(found, key=lambda ref: path_key(ref.path))


def search_feed_media(doc: object) -> list[MediaRef]:
    """The images of a Roku Search feed's assets, in path order."""
    if not isinstance(doc, dict):
        return []
    return [ref for a, asset in _dicts(doc.get("assets")) for i, image in _dicts(asset.get("images"))
            for ref in _refs(image, f"/assets/{a}/images/{i}", "url", "image")]


def _images(node: dict, path: str, fields: tuple[str, ...]) -> list[MediaRef]:
    return [ref for name in fields for ref in _refs(node, path, name, "image")]


def _refs(node: dict, path: str, name: str, kind: str, video_type: object = "") -> list[MediaRef]:
    url = node.get(name)
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
        return []
    return [MediaRef(f"{path}/{name}", url, kind, video_type if isinstance(video_type, str) else "")]
