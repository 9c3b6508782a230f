"""HTML from outside goes through here on the way in: an allowlist of tags and
attributes (nh3), so nothing we publish carries scripts, handlers, frames, forms,
styles or ``javascript:``/``data:`` URLs."""
from __future__ import annotations

import html as html_lib
import re

import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "li", "ol", "p", "pre", "q", "s", "small", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "abbr": {"title"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
URL_SCHEMES = {"http", "https", "mailto"}
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
        clean_content_tags={"script", "style", "iframe", "noscript", "object", "embed",
                            "applet", "frame", "frameset", "form", "textarea", "select", "svg",
                            "math", "template"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def plain_text(html: str) -> str:
    """Text only, with whitespace collapsed: for titles, descriptions and captions."""
    if not html:
        return ""
    stripped = nh3.clean(html, tags=set(), clean_content_tags={"script", "style"})
    return _SPACE.sub(" ", html_lib.unescape(stripped)).strip()
