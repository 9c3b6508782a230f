"""An article page's title: which of its candidate titles (JSON-LD headline, meta titles,
``<title>``, ``<h1>``) is the headline, without a site-name suffix."""
from __future__ import annotations

from feeds.ingest.structured import Structured, collapse

_SEPARATORS = (" | ", " - ", " \u2013 ", " \u2014 ", " :: ", " \u00bb ", " \u00b7 ", " / ")


def choose_title(meta: Structured, headings: list[str]) -> str:
    """The article's headline: the JSON-LD headline, else Dublin Core or OpenGraph
    (unless the ``<title>`` and an ``<h1>`` agree on something else), else other meta
    titles, else the ``<title>``; a site-name suffix is trimmed when a shorter
    candidate confirms the rest."""
    html_title = collapse(meta.html_title)
    agreed = [h for h in headings if h in (html_title, _trim(html_title, headings, meta, True))]
    others = [meta.og_title, meta.first_meta("title"), meta.first_meta("twitter:title"),
              meta.first_meta("parsely-title")]
    others = [t for t in others if t and (not agreed or t in agreed or t == html_title)]
    title = (meta.headline or meta.first_meta("dc:title", "dcterm:title", "dc.title")
             or next(iter(others), "") or (agreed[0] if agreed else html_title)
             or next(iter(headings), ""))
    return _trim(collapse(title), headings + others + [meta.headline, html_title], meta,
                 title == html_title)


def _trim(title: str, confirmers: list[str], meta: Structured, any_suffix: bool) -> str:
    for separator in _SEPARATORS:
        head, _, tail = title.rpartition(separator)
        site = tail.strip(" :|").lower()
        is_site = any_suffix or bool(site) and site in (meta.site_name.lower(),
                                                        meta.first_meta("application-name").lower())
        if head and is_site and any(collapse(c) == head for c in confirmers if c):
            return head
    return title
