"""A page's structured metadata: JSON-LD, OpenGraph and other ``<meta>`` tags, the
canonical link and the document language, read from an lxml tree."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin

from lxml.html import HtmlElement

from feeds.ingest.sanitize import plain_text
from feeds.model import Video

ARTICLE_TYPES = {
    "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "techarticle",
    "scholarlyarticle", "report", "socialmediaposting", "liveblogposting", "satiricalarticle",
    "medicalscholarlyarticle", "discussionforumposting", "advertisercontentarticle",
}
MIME_BY_EXTENSION = {
    ".mp4": "video/mp4", ".m4v": "video/mp4", ".webm": "video/webm", ".mov": "video/quicktime",
    ".m3u8": "application/x-mpegURL", ".mpd": "application/dash+xml", ".ogv": "video/ogg",
}
_DURATION = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")
_CDATA = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$|^\s*<!--|-->\s*$")


@dataclass
class Structured:
    html_title: str = ""
    og_title: str = ""
    headline: str = ""
    description: str = ""
    author: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    section: str = ""
    image: str = ""
    site_name: str = ""
    canonical: str = ""
    language: str = ""
    og_type: str = ""
    main_type: str = ""
    breadcrumbs: list[tuple[str, str]] = field(default_factory=list)
    jsonld: list[dict] = field(default_factory=list)
    videos: list[Video] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)

    def first_meta(self, *keys: str) -> str:
        return _first(self.meta, *keys)


def read_structured(doc: HtmlElement, url: str) -> Structured:
    meta = meta_tags(doc)
    objects = jsonld_objects(doc)
    main = main_object(objects) or {}

    def first(*keys: str) -> str:
        return _first(meta, *keys)

    return Structured(
        html_title=plain_text(doc.findtext(".//title") or ""),
        og_title=first("og:title"),
        headline=text_value(main.get("headline") or main.get("name")),
        description=first("og:description", "description", "twitter:description")
        or text_value(main.get("description")),
        author=person(names(main.get("author"))
                      or first("author", "article:author", "parsely-author", "dc.creator", "byl")),
        published=parse_datetime(main.get("datePublished") or main.get("uploadDate"))
        or parse_datetime(first("article:published_time", "datepublished", "parsely-pub-date",
                                "og:published_time", "date", "dc.date")),
        updated=parse_datetime(main.get("dateModified"))
        or parse_datetime(first("article:modified_time", "datemodified", "og:updated_time")),
        section=first("article:section", "parsely-section")
        or text_value(main.get("articleSection")),
        image=_join(url, first("og:image", "og:image:url", "og:image:secure_url", "twitter:image",
                               "twitter:image:src")
                    or image_url(main.get("image") or main.get("thumbnailUrl"))),
        site_name=first("og:site_name", "application-name"),
        canonical=canonical_url(doc, url, meta),
        language=document_language(doc, meta, main),
        og_type=first("og:type").lower(),
        main_type=next(iter(type_names(main)), ""),
        breadcrumbs=breadcrumb_trail(objects, url),
        jsonld=objects,
        videos=jsonld_videos(objects, url) + og_videos(doc, url),
        meta=meta,
    )


def meta_tags(doc: HtmlElement) -> dict[str, str]:
    """First non-empty ``content`` per lower-cased ``property``/``name``/``itemprop``."""
    found: dict[str, str] = {}
    for tag in doc.iter("meta"):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").strip().lower()
        value = tag.get("content") or ""
        value = plain_text(value) if "<" in value or "&" in value else collapse(value)
        if key and value and key not in found:
            found[key] = value
    return found


def jsonld_objects(doc: HtmlElement) -> list[dict]:
    """Every typed object in the page's JSON-LD, graphs and lists flattened, nested
    objects included, in document order."""
    found: list[dict] = []
    for script in doc.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        data = _load_json(script.text or "")
        if data is not None:
            _collect(data, found, depth=0)
    return found


def _load_json(text: str) -> object:
    text = _CDATA.sub("", text.strip()).strip()
    try:
        return json.loads(text, strict=False)
    except ValueError:
        return None


def _collect(data: object, found: list[dict], depth: int) -> None:
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data:
            _collect(item, found, depth + 1)
    elif isinstance(data, dict):
        if data.get("@type"):
            found.append(data)
        for key, value in data.items():
            if isinstance(value, (list, dict)) and key != "@context":
                _collect(value, found, depth + 1)


def type_names(obj: dict) -> list[str]:
    """``@type`` as bare lower-cased names: ``schema:NewsArticle`` and
    ``http://schema.org/NewsArticle`` both give ``newsarticle``."""
    types = obj.get("@type")
    types = types if isinstance(types, list) else [types]
    return [re.split(r"[/:#]", t)[-1].lower() for t in types if isinstance(t, str)]


def main_object(objects: list[dict]) -> dict | None:
    articles = [o for o in objects if ARTICLE_TYPES & set(type_names(o))]
    if articles:
        return articles[0]
    videos = [o for o in objects if "videoobject" in type_names(o)]
    return videos[0] if len(videos) == 1 else None


def text_value(value: object) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or ""
    return plain_text(value) if isinstance(value, str) else ""


def names(value: object) -> str:
    items = value if isinstance(value, list) else [value]
    found = [text_value(item) for item in items]
    return ", ".join(dict.fromkeys(name for name in found if name))


def image_url(value: object) -> str:
    """A URL given as a string, an object with ``url``/``@id``, or a list of either."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl") or value.get("@id") or ""
    return value.strip() if isinstance(value, str) else ""


def breadcrumb_trail(objects: list[dict], url: str) -> list[tuple[str, str]]:
    """The first BreadcrumbList as (name, absolute URL) pairs, in position order."""
    for obj in objects:
        if "breadcrumblist" not in type_names(obj):
            continue
        items = obj.get("itemListElement") or []
        items = sorted((i for i in items if isinstance(i, dict)), key=_position)
        crumbs = [(text_value(i.get("name") or i.get("item")), _join(url, image_url(i.get("item"))
                                                                     or image_url(i.get("url"))))
                  for i in items]
        if any(name for name, _ in crumbs):
            return [(name, link) for name, link in crumbs if name]
    return []


def person(name: str) -> str:
    """A byline as a name: without a leading "By", and nothing when it is an address."""
    name = re.sub(r"^by\s+", "", collapse(name), flags=re.IGNORECASE)
    return "" if re.match(r"https?://", name) else name


def _position(item: dict) -> float:
    return float(item["position"]) if str(item.get("position", "")).isdigit() else 0.0


def jsonld_videos(objects: list[dict], url: str) -> list[Video]:
    videos = []
    for obj in objects:
        if "videoobject" not in type_names(obj):
            continue
        seconds = parse_duration(obj.get("duration"))
        fmt = obj.get("encodingFormat") if isinstance(obj.get("encodingFormat"), str) else ""
        for key in ("contentUrl", "embedUrl"):
            link = image_url(obj.get(key))
            if link:
                link = urljoin(url, link)
                mime = fmt if "/" in fmt and key == "contentUrl" else mime_type(link)
                videos.append(Video(url=link, type=mime, width=_int(obj.get("width")),
                                    height=_int(obj.get("height")), duration=seconds))
    return videos


def og_videos(doc: HtmlElement, url: str) -> list[Video]:
    """``og:video`` renditions, each with the ``og:video:*`` properties that follow it."""
    videos: list[Video] = []
    for tag in doc.iter("meta"):
        key = (tag.get("property") or tag.get("name") or "").strip().lower()
        value = (tag.get("content") or "").strip()
        if not value:
            continue
        if key in ("og:video", "og:video:url") or (key == "og:video:secure_url" and not videos):
            videos.append(Video(url=urljoin(url, value), type=mime_type(value)))
        elif key == "og:video:secure_url":
            videos[-1].url = urljoin(url, value)
        elif videos and key == "og:video:type":
            videos[-1].type = value
        elif videos and key in ("og:video:width", "og:video:height"):
            setattr(videos[-1], key.rsplit(":", 1)[1], _int(value))
        elif videos and key in ("og:video:duration", "video:duration"):
            videos[-1].duration = parse_duration(value)
    return videos


def mime_type(link: str) -> str:
    path = link.split("?", 1)[0].split("#", 1)[0].lower()
    return next((mime for ext, mime in MIME_BY_EXTENSION.items() if path.endswith(ext)), "")


def canonical_url(doc: HtmlElement, url: str, meta: dict[str, str]) -> str:
    for link in doc.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        if "canonical" in rels and (link.get("href") or "").strip():
            return urljoin(url, link.get("href").strip())
    return urljoin(url, meta["og:url"]) if meta.get("og:url") else ""


def document_language(doc: HtmlElement, meta: dict[str, str], main: dict) -> str:
    lang = (doc.get("lang") or doc.get("xml:lang") or "").strip()
    lang = lang or meta.get("content-language", "") or text_value(main.get("inLanguage"))
    lang = lang or meta.get("og:locale", "")
    return lang.replace("_", "-").split(",")[0].strip()


def parse_datetime(value: object) -> datetime | None:
    """An ISO 8601 date-time, keeping its offset; one without an offset is taken as UTC."""
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace(" ", "T", 1)
    text = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def parse_duration(value: object) -> int | None:
    """Whole seconds from an ISO 8601 duration (``PT1M30S``) or a plain number of seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if value >= 0 else None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return int(float(text))
    match = _DURATION.match(text)
    if not match or text.upper() in ("P", "PT"):
        return None
    parts = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
    return int(parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"])


def _first(meta: dict[str, str], *keys: str) -> str:
    return next((meta[k] for k in keys if meta.get(k)), "")


def _join(base: str, link: str) -> str:
    return urljoin(base, link) if link else ""


def _int(value: object) -> int | None:
    try:
        return int(str(value).strip().removesuffix("px"))
    except (TypeError, ValueError):
        return None


def collapse(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip()
