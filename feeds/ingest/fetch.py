"""One HTTP fetcher for every source kind: feeds, article pages, video feeds, live streams.

Redirects are followed here, one request per hop: requests would read every redirect's
body whole (no size cap) and restart the timeouts on each hop.
No retries: the workers own the retry policy.
"""
from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from typing import Iterator, Mapping
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.cookies import RequestsCookieJar

from feeds.errors import FetchError
from feeds.ingest.charset import detect_encoding
from feeds.ingest.netguard import AddressRefused, GuardedAdapter

USER_AGENT = "ChannelFeeds/0.1 (channel feed backend; feed fetcher)"
MAX_REDIRECTS = 5
SCHEMES = ("http", "https")

_CHUNK = 64 * 1024


@dataclass
class Fetched:
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    content_type: str
    encoding: str | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def text(self) -> str:
        return self.body.decode(self.encoding or "utf-8", errors="replace").removeprefix("\ufeff")


@dataclass
class _Budget:
    """Per-hop timeouts, never longer than what is left of the overall deadline."""

    connect: float
    read: float
    deadline: float
    started: float = field(default_factory=time.monotonic)

    def left(self) -> float:
        return self.deadline - (time.monotonic() - self.started)

    def check(self, host: str) -> None:
        if self.left() <= 0:
            raise FetchError(f"timed out after {self.deadline:g} s fetching from {host}", transient=True)

    def timeouts(self, host: str) -> tuple[float, float]:
        self.check(host)
        left = self.left()
        return min(self.connect, left), min(self.read, left)


def make_session(allow_private: bool = False) -> requests.Session:
    """A session with our User-Agent, no cookie memory, no proxies or .netrc from the
    environment, and (unless ``allow_private``) the private-address guard on http and https."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    session.trust_env = False
    session.max_redirects = MAX_REDIRECTS
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    if not allow_private:
        session.mount("http://", GuardedAdapter(https=False))
        session.mount("https://", GuardedAdapter(https=True))
    return session


_sessions: dict[bool, requests.Session] = {}
_sessions_lock = threading.Lock()


def _shared_session(allow_private: bool) -> requests.Session:
    with _sessions_lock:
        if allow_private not in _sessions:
            _sessions[allow_private] = make_session(allow_private)
        return _sessions[allow_private]


def fetch(url: str, *, etag: str | None = None, last_modified: str | None = None,
          allow_private: bool = False, max_bytes: int = 10 * 1024 * 1024,
          connect_timeout: float = 5, read_timeout: float = 20, deadline: float = 30,
          session: requests.Session | None = None, headers: Mapping[str, str] | None = None,
          truncate: bool = False) -> Fetched:
    """``truncate``: past ``max_bytes``, keep the first ``max_bytes`` and stop reading
    instead of failing (a look at the start of a video file)."""
    session = session or _shared_session(allow_private)
    budget = _Budget(connect_timeout, read_timeout, deadline)
    headers = {"If-None-Match": etag, "If-Modified-Since": last_modified, **(headers or {})}
    cookies = RequestsCookieJar()
    _check_url(url, "")
    for _hop in range(MAX_REDIRECTS + 1):
        host = urlsplit(url).hostname or url
        with _translated(host, budget):
            response = _send(session, url, headers, cookies, budget.timeouts(host))
            try:
                target = _redirect_target(session, response)
                if target is None:
                    return _complete(response, host, budget, max_bytes, etag, last_modified, truncate)
                cookies.update(response.cookies)
            finally:
                response.close()
        _check_url(target, "redirected to an ")
        url = target
    raise FetchError(f"too many redirects (more than {MAX_REDIRECTS})")


def _send(session: requests.Session, url: str, headers: dict[str, str | None],
          cookies: RequestsCookieJar, timeout: tuple[float, float]) -> requests.Response:
    """One request, no redirects followed, through the adapter mounted for ``url``.
    ``Session.send`` is bypassed because, even with ``allow_redirects=False``, it reads
    a redirect's whole body (to fill ``Response.next``)."""
    request = requests.Request("GET", url, headers=headers, cookies=cookies)
    prepared = session.prepare_request(request)
    return session.get_adapter(url).send(prepared, stream=True, timeout=timeout,
                                         verify=session.verify, cert=session.cert,
                                         proxies=session.proxies)


def _check_url(url: str, prefix: str) -> None:
    try:
        parts = urlsplit(url)
        parts.port
    except ValueError:
        raise FetchError(f"{prefix}invalid URL {url!r}") from None
    if parts.scheme.lower() not in SCHEMES:
        raise FetchError(f"{prefix}unsupported URL scheme '{parts.scheme}'")
    if not parts.hostname:
        raise FetchError(f"{prefix}invalid URL {url!r}: it has no host name")


def _redirect_target(session: requests.Session, response: requests.Response) -> str | None:
    if not response.is_redirect:
        return None
    return urljoin(response.url, session.get_redirect_target(response)).split("#")[0]


def _complete(response: requests.Response, host: str, budget: _Budget, max_bytes: int,
              etag: str | None, last_modified: str | None, truncate: bool = False) -> Fetched:
    status = response.status_code
    if status == 304:
        return _fetched(response, b"", etag, last_modified)
    if status == 429 or status >= 500:
        raise FetchError(f"upstream answered {status}", transient=True, status=status)
    if status >= 300:
        missing = " without a Location header" if status in (301, 302, 303, 307, 308) else ""
        raise FetchError(f"upstream answered {status}{missing}", status=status)
    body = _read_body(response, host, budget, max_bytes, truncate)
    return _fetched(response, body, etag, last_modified)


def _fetched(response: requests.Response, body: bytes, etag: str | None,
             last_modified: str | None) -> Fetched:
    content_type = response.headers.get("Content-Type", "")
    mime = content_type.split(";")[0].strip().lower()
    return Fetched(
        url=response.url,
        status=response.status_code,
        headers=response.headers,
        body=body,
        content_type=mime,
        encoding=detect_encoding(body, mime, content_type) if body else None,
        etag=response.headers.get("ETag") or etag,
        last_modified=response.headers.get("Last-Modified") or last_modified,
    )


def _read_body(response: requests.Response, host: str, budget: _Budget, max_bytes: int,
               truncate: bool = False) -> bytes:
    declared = response.headers.get("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > max_bytes and not truncate:
        raise _too_large(max_bytes)
    chunks: list[bytes] = []
    size = 0
    for chunk in _chunks(response):
        size += len(chunk)
        if size > max_bytes and truncate:
            chunks.append(chunk[:len(chunk) - (size - max_bytes)])
            break
        if size > max_bytes:
            raise _too_large(max_bytes)
        budget.check(host)
        chunks.append(chunk)
    return b"".join(chunks)


def _chunks(response: requests.Response) -> Iterator[bytes]:
    """Decoded chunks, each from at most one socket read, so that the deadline is checked
    however slowly the bytes drip in (``iter_content`` waits for a full chunk) and a
    compressed body is capped by its decoded size."""
    raw = response.raw
    if not isinstance(raw, urllib3.BaseHTTPResponse):
        yield from response.iter_content(_CHUNK)
        return
    while chunk := raw.read1(_CHUNK, decode_content=True):
        yield chunk


def _too_large(max_bytes: int) -> FetchError:
    size = f"{max_bytes} bytes"
    for unit, scale in (("KB", 1024), ("MB", 1024 * 1024)):
        if max_bytes >= scale:
            size = f"{max_bytes / scale:.3g} {unit}"
    return FetchError(f"response larger than {size}")


@contextmanager
def _translated(host: str, budget: _Budget) -> Iterator[None]:
    """Turns what requests, urllib3 and the guard raise into one FetchError sentence."""
    try:
        yield
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        raise _translate(exc, host, budget) from exc


def _translate(exc: BaseException, host: str, budget: _Budget) -> FetchError:
    causes = list(_causes(exc))
    refused = next((c for c in causes if isinstance(c, AddressRefused)), None)
    if refused and refused.address == host:
        return FetchError(f"refused: {host} is a private address")
    if refused:
        return FetchError(f"refused: {host} resolves to a private address ({refused.address})")
    if _has(causes, urllib3.exceptions.NameResolutionError, socket.gaierror):
        return FetchError(f"could not resolve host {host}", transient=True)
    if _has(causes, ConnectionRefusedError):
        return FetchError(f"could not connect to {host}: connection refused", transient=True)
    if _has(causes, requests.ConnectTimeout):
        return FetchError(f"could not connect to {host}: timed out after {budget.connect:g} s",
                          transient=True)
    if _has(causes, requests.ReadTimeout, urllib3.exceptions.ReadTimeoutError, socket.timeout):
        if budget.left() <= 0:
            return FetchError(f"timed out after {budget.deadline:g} s fetching from {host}",
                              transient=True)
        return FetchError(f"timed out after {budget.read:g} s waiting for {host}", transient=True)
    if _has(causes, requests.exceptions.SSLError, urllib3.exceptions.SSLError):
        return FetchError(f"could not make a secure (TLS) connection to {host}")
    if _has(causes, requests.exceptions.ContentDecodingError, urllib3.exceptions.DecodeError):
        return FetchError(f"{host} sent a compressed body that could not be decoded")
    if _has(causes, requests.exceptions.ChunkedEncodingError, urllib3.exceptions.ProtocolError):
        return FetchError(f"the connection to {host} broke off during the response", transient=True)
    if _has(causes, requests.ConnectionError, urllib3.exceptions.NewConnectionError):
        return FetchError(f"could not connect to {host}", transient=True)
    return FetchError(f"could not fetch from {host}: {type(exc).__name__}")


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps: ``__cause__``, ``__context__``, urllib3's
    ``reason`` and exceptions passed as arguments (requests wraps that way)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        todo += [e for e in (*linked, *current.args) if isinstance(e, BaseException)]


def _has(causes: list[BaseException], *kinds: type[BaseException]) -> bool:
    return any(isinstance(c, kinds) for c in causes)
