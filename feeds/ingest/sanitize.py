"""HTML from outside goes through here on the way in: an allowlist of tags and
attributes (nh3), so nothing we publish carries scripts, handlers, frames, forms,
styles or ``javascript:``/``data:`` URLs."""
from __future__ import annotations

import html as html_lib
import re

import nh3

ALLOWED_TAGS = {
    "a", "abbr", "article", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del",
    "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "ins", "li", "ol", "p", "pre", "q", "s", "section", "small", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "abbr": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto"}
DROPPED_WITH_CONTENT = {
    "script", "style", "iframe", "noscript", "object", "embed", "applet", "frame", "frameset",
    "form", "textarea", "select", "svg", "math", "template", "title",
}
BLOCK_TAGS = {"p", "br", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "td",
              "th", "tr", "dd", "dt", "pre", "figcaption", "section", "article", "hr"}
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def clean_html(html: str) -> str:
    """Sanitised HTML, safe to publish and to put in a page."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        clean_content_tags=DROPPED_WITH_CONTENT,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def plain_text(html: str) -> str:
    """Text only, whitespace collapsed, blocks kept apart by a space: for titles,
    descriptions and captions. The result is text, not HTML: escape it to show it."""
    if not html:
        return ""
    blocks = nh3.clean(html, tags=BLOCK_TAGS, attributes={},
                       clean_content_tags=DROPPED_WITH_CONTENT, strip_comments=True)
    return _SPACE.sub(" ", html_lib.unescape(_TAG.sub(" ", blocks))).strip()
