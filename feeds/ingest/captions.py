"""The lead image of an article page and its caption.

The lead image is og:image (or the JSON-LD image), found in the markup by its file name;
without one, the first picture of the article. Its caption is, in this order: the
``<figcaption>`` of its figure; an element beside or under it whose class, role or
itemprop says caption or credit (WordPress's ``wp-caption-text`` is one), looked for only
while the surrounding element holds no other picture; the JSON-LD ImageObject caption of
the same image; the image's ``title``. Never an ``alt`` text, never another image's caption.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote, urljoin

import lxml.html
from lxml.html import HtmlElement

from feeds.ingest.sanitize import plain_text
from feeds.ingest.structured import Structured, collapse, image_url, main_object, text_value, type_names
from feeds.text import word_count

IMAGE_FILE = re.compile(r"[^/?&=#\s]+\.(?:jpe?g|png|gif|webp|avif|bmp|tiff?)", re.IGNORECASE)
CAPTION_MARK = re.compile(r"caption|credit", re.IGNORECASE)
MAX_CAPTION_WORDS = 80
MAX_LEVELS = 5
SOURCE_ATTRIBUTES = ("src", "data-src", "data-original", "data-lazy-src")
SET_ATTRIBUTES = ("srcset", "data-srcset", "data-lazy-srcset")
CONTAINERS = {"article", "main", "body", "html"}
NOT_CAPTIONS = {"button", "script", "style", "noscript", "template", "img", "picture", "svg"}


def lead_image(doc: HtmlElement, meta: Structured, url: str) -> tuple[str, str]:
    """The lead image's address and caption."""
    if meta.image:
        name = file_name(meta.image)
        shown = [img for img in doc.iter("img") if name in _file_names(img)]
        markup = next(filter(None, map(_markup_caption, shown)), "")
        title = next(filter(None, map(_title, shown)), "")
        return meta.image, markup or _jsonld_caption(meta, meta.image) or title
    img = _first_picture(doc)
    if img is None:
        return "", ""
    return urljoin(url, image_src(img)), _markup_caption(img) or _title(img)


def _first_picture(doc: HtmlElement) -> HtmlElement | None:
    """The first image of the article (else of the page) in a figure; else the first
    with a caption beside it."""
    container = next(iter(doc.xpath("//article | //main")), doc)
    shown = [img for img in container.iter("img") if image_src(img)]
    in_figure = next((img for img in shown if _figure(img) is not None), None)
    return in_figure if in_figure is not None else next((i for i in shown if _beside(i)), None)


def image_src(img: HtmlElement) -> str:
    """The address an ``<img>`` shows, lazy-loading attributes included."""
    src = next((img.get(a).strip() for a in SOURCE_ATTRIBUTES[1:] if img.get(a)), "")
    src = src or (img.get("src") or "").strip()
    if not src or src.startswith("data:"):
        src = next(iter(_set_links(img) + _picture_links(img)), "")
    return "" if src.startswith("data:") else src


def file_name(link: str) -> str:
    """An image's file name: the end of its path, or the name of an image address carried
    in its query, as image resizers and proxies have it (``/dims?image_uri=...%2Fphoto.jpg``)."""
    path, _, query = link.partition("#")[0].partition("?")
    name = path.rstrip("/").rsplit("/", 1)[-1]
    carried = IMAGE_FILE.findall(unquote(unquote(query))) if not IMAGE_FILE.fullmatch(name) else []
    return (carried[-1] if carried else name).lower()


def _file_names(img: HtmlElement) -> set[str]:
    links = [img.get(a) or "" for a in SOURCE_ATTRIBUTES] + _set_links(img) + _picture_links(img)
    return {file_name(link) for link in links if link.strip() and not link.startswith("data:")}


def _picture_links(img: HtmlElement) -> list[str]:
    picture = next(img.iterancestors("picture"), None)  # libxml2 may nest img in a <source>
    return [] if picture is None else [
        link for source in picture.iter("source") for link in _set_links(source)]


def _set_links(element: HtmlElement) -> list[str]:
    sets = (element.get(a) or "" for a in SET_ATTRIBUTES)
    return [item.split()[0] for value in sets for item in value.split(",") if item.strip()]


def _markup_caption(img: HtmlElement) -> str:
    figure = _figure(img)
    if figure is not None:
        caption = next(figure.iter("figcaption"), None)
        if caption is not None and (text := _text(caption)):
            return text
    return " ".join(_text(element) for element in _beside(img))


def _figure(img: HtmlElement) -> HtmlElement | None:
    return next(img.iterancestors("figure"), None)


def _beside(img: HtmlElement) -> list[HtmlElement]:
    """Caption or credit elements right before or after the image, or before or after an
    element around it that holds no other image (up to the article); the nearest found."""
    names = _file_names(img)
    node = img
    for _ in range(MAX_LEVELS):
        parent = node.getparent()
        if parent is None or _other_image(parent, names):
            return []
        before = _next_to(node.itersiblings(preceding=True))
        found = [m for marked in reversed(before) for m in marked] + [
            m for marked in _next_to(node.itersiblings()) for m in marked]
        if found or parent.tag in CONTAINERS:
            return found
        node = parent
    return []


def _next_to(siblings: Iterator[HtmlElement]) -> list[list[HtmlElement]]:
    """What is marked in each sibling, nearest first, up to the first sibling with text
    that is not a caption; siblings without text are passed over."""
    found = []
    for sibling in siblings:
        marked = _marked(sibling)
        if marked:
            found.append(marked)
        elif isinstance(sibling.tag, str) and sibling.text_content().strip():
            break
    return found


def _other_image(element: HtmlElement, names: set[str]) -> bool:
    return any(not names & _file_names(img) for img in element.iter("img"))


def _marked(element: HtmlElement) -> list[HtmlElement]:
    """The outermost elements in ``element`` (itself included) marked as a caption or
    credit; none in an element with much text, which is more than a caption."""
    if not isinstance(element.tag, str) or element.tag in NOT_CAPTIONS:
        return []
    words = word_count(element.text_content())
    if not 0 < words <= MAX_CAPTION_WORDS:
        return []
    if CAPTION_MARK.search(" ".join(element.get(a, "") for a in ("class", "role", "itemprop"))):
        return [element]
    return [m for child in element for m in _marked(child)]


def _jsonld_caption(meta: Structured, link: str) -> str:
    """The caption JSON-LD gives the same image: the same address, else the same file name."""
    captions = _jsonld_captions(meta)
    bare = link.split("?", 1)[0]
    same = [c for u, c in captions if u.split("?", 1)[0] == bare]
    return next(iter(same + [c for u, c in captions if file_name(u) == file_name(link)]), "")


def _jsonld_captions(meta: Structured) -> list[tuple[str, str]]:
    """(address, caption) of the main object's images and of every other ImageObject; an
    image given as an ``@id`` reference (as Yoast writes them) looked up by that id."""
    by_id = {o["@id"]: o for o in meta.jsonld if isinstance(o.get("@id"), str)}
    images = (main_object(meta.jsonld) or {}).get("image")
    images = (images if isinstance(images, list) else [images]) + [
        o for o in meta.jsonld if "imageobject" in type_names(o)]
    found = []
    for image in images:
        if isinstance(image, dict) and not _own_url(image):
            image = by_id.get(image.get("@id"), image)
        if isinstance(image, dict) and _own_url(image) and text_value(image.get("caption")):
            found.append((_own_url(image), text_value(image.get("caption"))))
    return found


def _own_url(image: dict) -> str:
    return image_url(image.get("url") or image.get("contentUrl"))


def _title(img: HtmlElement) -> str:
    """The image's title, unless it is just its file name."""
    title = collapse(img.get("title"))
    return "" if IMAGE_FILE.fullmatch(title) else title


def _text(element: HtmlElement) -> str:
    return plain_text(lxml.html.tostring(element, encoding="unicode", with_tail=False))
