"""WebSub (W3C Recommendation) as the subscriber sees it on the wire: which hub and
topic a fetched feed advertises, asking a hub for a subscription, and checking the
signature of what a hub pushes.

Discovery follows the Recommendation's order: the HTTP ``Link`` headers first
(``rel="hub"``, ``rel="self"``); only when they name no hub, the feed's own links
(``atom:link`` in an RSS channel, ``link`` in an Atom feed), read with entity
expansion, DTDs and the network all off (``xmlsafe``)."""
from __future__ import annotations

import hashlib
import hmac
import re
import socket
from dataclasses import dataclass, field
from typing import Mapping
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from feeds.errors import ParseError
from feeds.ingest.netguard import AddressRefused
from feeds.ingest.xmlsafe import parse_xml

ATOM = "{http://www.w3.org/2005/Atom}"
MAX_URL = 2048
ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384,
              "sha512": hashlib.sha512}
"""The algorithm names the Recommendation recognises for ``X-Hub-Signature``."""
HUB_TIMEOUT = (5, 15)
HUB_REDIRECTS = 3
_LINK = re.compile(r"<([^>]*)>([^<]*)")
_PARAM = re.compile(r';\s*([A-Za-z*-]+)\s*=\s*(?:"([^"]*)"|([^;,\s]*))')
_HEX = re.compile(r"^[0-9a-fA-F]+$")


@dataclass(frozen=True)
class Advertised:
    """The hubs and the topic (``rel="self"``) a feed advertises, in its order, as
    absolute http(s) URLs; ``where`` says which mechanism named them."""

    hubs: tuple[str, ...] = ()
    topic: str | None = None
    where: str = ""

    @property
    def hub(self) -> str | None:
        """The hub to subscribe at: the first https one, else the first."""
        return next((h for h in self.hubs if h.startswith("https:")), self.hubs[0] if self.hubs else None)


def header_links(headers: Mapping[str, str], base: str) -> dict[str, list[str]]:
    """``rel`` to target URLs of the ``Link`` headers (RFC 8288). Repeated headers
    arrive joined by commas; a ``rel`` may name several relations."""
    value = headers.get("Link") or ""
    links: dict[str, list[str]] = {}
    for match in _LINK.finditer(value):
        target, params = match.group(1).strip(), match.group(2)
        for name, quoted, bare in _PARAM.findall(params):
            if name.lower() != "rel":
                continue
            for rel in (quoted or bare).lower().split():
                url = _absolute(target, base)
                if url:
                    links.setdefault(rel, []).append(url)
    return links


def body_links(body: bytes, base: str) -> dict[str, list[str]]:
    """``rel`` to target URLs of the feed-level links of an RSS or Atom document (never
    an item's or entry's own links); nothing when the body is not XML we can read."""
    try:
        root = parse_xml(body)
    except ParseError:
        return {}
    tag = root.tag if isinstance(root.tag, str) else ""
    if tag == f"{ATOM}feed":
        holders = [root]
    else:  # RSS 2.0, 0.9x (rss/channel) and RSS 1.0 (rdf:RDF/channel)
        holders = [child for child in root if isinstance(child.tag, str)
                   and child.tag.rsplit("}", 1)[-1] == "channel"]
    links: dict[str, list[str]] = {}
    for holder in holders:
        for element in holder:
            if element.tag not in (f"{ATOM}link", "link") or element.get("href") is None:
                continue
            url = _absolute(element.get("href", ""), base)
            for rel in (element.get("rel") or "alternate").lower().split():
                if url:
                    links.setdefault(rel, []).append(url)
    return links


def advertised(headers: Mapping[str, str], body: bytes, base: str) -> Advertised:
    """What a fetched feed advertises. ``base`` is the URL it was fetched from (after
    redirects), against which relative links are resolved. The Link headers win when
    they name a hub; a topic missing where the hub was found is looked for in the other."""
    from_headers = header_links(headers, base)
    from_body = body_links(body, base) if body else {}
    for where, links, other in (("headers", from_headers, from_body), ("body", from_body, from_headers)):
        if links.get("hub"):
            topic = (links.get("self") or other.get("self") or [None])[0]
            return Advertised(tuple(dict.fromkeys(links["hub"])), topic, where)
    return Advertised()


def _absolute(target: str, base: str) -> str | None:
    try:
        url = urljoin(base, target.strip()).split("#")[0]
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL:
        return None
    return url


# Signatures ---------------------------------------------------------------------------

OK, MISSING, MALFORMED, UNSUPPORTED, MISMATCH = "ok", "missing", "malformed", "unsupported", "mismatch"


def sign(secret: str, body: bytes, method: str = "sha256") -> str:
    """The ``X-Hub-Signature`` a hub sends for ``body``: ``method=hex``."""
    return f"{method}={hmac.new(secret.encode(), body, ALGORITHMS[method]).hexdigest()}"


def check_signature(secret: str, body: bytes, header: str | None) -> str:
    """``ok`` when ``header`` (``X-Hub-Signature``) is the HMAC of ``body`` under
    ``secret`` with the algorithm it names, else why not: ``missing``, ``malformed``,
    ``unsupported`` (an algorithm not recognised) or ``mismatch``. Compared in constant
    time."""
    if not header or not header.strip():
        return MISSING
    method, sep, given = header.strip().partition("=")
    method, given = method.strip().lower(), given.strip()
    if not sep or not method or not given or len(given) > 256 or not _HEX.match(given):
        return MALFORMED
    if method not in ALGORITHMS:
        return UNSUPPORTED
    if not secret:
        return MISMATCH
    expected = hmac.new(secret.encode(), body, ALGORITHMS[method]).hexdigest()
    return OK if hmac.compare_digest(expected, given.lower()) else MISMATCH


# Asking a hub --------------------------------------------------------------------------

@dataclass
class HubAnswer:
    """How a hub answered a (un)subscription request: ``status`` (None when it could not
    be reached), the hub URL that answered last, and a short message."""

    status: int | None
    url: str
    message: str = ""
    redirects: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def request_subscription(hub: str, params: Mapping[str, str], http: requests.Session,
                         timeout: tuple[float, float] = HUB_TIMEOUT) -> HubAnswer:
    """POST the form ``params`` to ``hub``. A hub may send the request on with a 307 or
    308 (to another hub), which is followed a few times; any other answer is final.
    ``http`` should be a session from ``fetch.make_session``: its private-address guard
    applies to the hub as to any upstream."""
    url, redirects = hub, []
    for _hop in range(HUB_REDIRECTS + 1):
        try:
            response = http.post(url, data=dict(params), timeout=timeout, allow_redirects=False,
                                 stream=True)
        except requests.RequestException as exc:
            return HubAnswer(None, url, _reason(exc, url), redirects)
        try:
            if response.status_code in (307, 308) and response.headers.get("Location"):
                target = _absolute(response.headers["Location"], url)
                if target is None:
                    return HubAnswer(response.status_code, url, "redirected to an invalid URL", redirects)
                redirects.append(target)
                url = target
                continue
            return HubAnswer(response.status_code, url, _short_text(response), redirects)
        finally:
            response.close()
    return HubAnswer(None, url, f"too many redirects (more than {HUB_REDIRECTS})", redirects)


def _short_text(response: requests.Response, limit: int = 300) -> str:
    """The start of the hub's answer, which the Recommendation asks to explain an error."""
    if 200 <= response.status_code < 300:
        return ""
    try:
        raw = response.raw.read(limit, decode_content=True) or b""
    except Exception:
        raw = b""
    text = " ".join(raw.decode("utf-8", errors="replace").split())
    return text[:limit]


def _reason(exc: requests.RequestException, url: str) -> str:
    """One short sentence for ops, as the fetcher's errors are."""
    host = urlsplit(url).hostname or url
    causes = list(_causes(exc))
    if any(isinstance(c, AddressRefused) for c in causes):
        return f"refused: {host} resolves to a non-public address"
    if isinstance(exc, requests.ConnectTimeout):
        return f"could not connect to {host}: timed out"
    if isinstance(exc, requests.ReadTimeout):
        return f"timed out waiting for {host}"
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return f"could not connect to {host}: connection refused"
    if any(isinstance(c, (socket.gaierror, urllib3.exceptions.NameResolutionError)) for c in causes):
        return f"could not resolve host {host}"
    if any(isinstance(c, (requests.exceptions.SSLError, urllib3.exceptions.SSLError)) for c in causes):
        return f"could not make a secure (TLS) connection to {host}"
    if isinstance(exc, requests.ConnectionError):
        return f"could not connect to {host}"
    return f"could not reach {host}: {type(exc).__name__}"


def _causes(exc: BaseException):
    """The exception and what it wraps (``__cause__``, ``__context__``, urllib3's
    ``reason``, exceptions passed as arguments)."""
    seen, todo = set(), [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        todo += [e for e in linked if isinstance(e, BaseException)]
