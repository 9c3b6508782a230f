"""The fetcher against a real HTTP server on 127.0.0.1.

Nothing here may reach anything but loopback. Two tripwires, on for every test, make
sure of it: name lookups only answer ``localhost``, IP literals and the made-up names
of ``FAKE_DNS`` (no DNS query leaves the machine), and ``socket.connect`` to any
non-loopback address raises ``OffLimits`` instead of connecting.
"""
from __future__ import annotations

import gzip
import io
import ipaddress
import socket
import threading
import tracemalloc

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from feeds.errors import FetchError
from feeds.ingest import fetch as fetch_module
from feeds.ingest.charset import detect_encoding
from feeds.ingest.fetch import USER_AGENT, fetch, make_session
from feeds.ingest.netguard import GuardedAdapter, is_public_address

PUBLIC_IP = "93.184.215.14"
FAKE_DNS = {
    "intranet.example": ["10.0.0.1"],
    "metadata.example": ["169.254.169.254"],
    "mapped.example": ["::ffff:127.0.0.1"],
    "sitelocal.example": ["fec0::1"],
    "compat.example": ["::808:808"],
    "rebind.example": [PUBLIC_IP, "127.0.0.1"],
}
RUSSIAN = "Съешь же ещё этих мягких французских булок, да выпей чаю. " * 4


class OffLimits(Exception):
    """Raised instead of connecting to a non-loopback address."""


@pytest.fixture(scope="module")
def _server():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def server(_server):
    yield _server
    _server.clear()


@pytest.fixture(autouse=True)
def tripwires(monkeypatch):
    """Records every lookup and connect; refuses the ones that could leave loopback."""
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect
    seen = {"lookups": [], "connects": []}

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        seen["lookups"].append(name)
        if name in FAKE_DNS:
            answers = FAKE_DNS[name]
            ip = answers[min(seen["lookups"].count(name), len(answers)) - 1]
            if ":" in ip:
                return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (ip, port or 0, 0, 0))]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port or 0))]
        if name == "localhost" or _is_ip_literal(name):
            return real_getaddrinfo(host, port, family, type, proto, flags)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    def connect(sock, address):
        seen["connects"].append(address[0])
        if not ipaddress.ip_address(address[0]).is_loopback:
            raise OffLimits(address)
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


def _is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _error(url: str, **kwargs) -> FetchError:
    kwargs.setdefault("allow_private", True)
    with pytest.raises(FetchError) as info:
        fetch(url, **kwargs)
    return info.value


@pytest.fixture
def release():
    """Set when the test ends: what a slow answer waits for, instead of a fixed sleep
    that a loaded machine could outlast."""
    event = threading.Event()
    yield event
    event.set()


class Drip:
    """A body of ``count`` chunks, ``pause`` seconds apart; ``sent`` counts the chunks
    handed to the server so far. Setting ``stop`` ends it early (the test is over)."""

    def __init__(self, count: int, pause: float, chunk: bytes = b"x",
                 stop: threading.Event | None = None):
        self.count, self.pause, self.chunk = count, pause, chunk
        self.stop = stop or threading.Event()
        self.sent = 0

    def __iter__(self):
        for _ in range(self.count):
            if self.pause and self.stop.wait(self.pause):
                return
            self.sent += 1
            yield self.chunk

    @property
    def finished(self) -> bool:
        return self.sent == self.count


HELD = 10
"""Seconds a held answer waits at most for the test to end: fifty times the read
timeout of the tests that use it, so that only a timeout not applied lets it through."""


def _stalled(release: threading.Event, head: bytes, tail: bytes, hold: float = HELD):
    """A body that sends ``head``, then nothing until ``release`` is set (at most
    ``hold`` seconds)."""
    yield head
    release.wait(hold)
    yield tail


# -- answers --------------------------------------------------------------------------

def test_ok_returns_body_type_and_validators(server):
    server.expect_request("/feed.xml").respond_with_data(
        b"<rss/>", content_type="application/rss+xml; charset=UTF-8",
        headers={"ETag": '"v1"', "Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT"})
    got = fetch(server.url_for("/feed.xml"), allow_private=True)
    assert (got.status, got.body, got.not_modified) == (200, b"<rss/>", False)
    assert got.url == server.url_for("/feed.xml")
    assert got.content_type == "application/rss+xml"
    assert got.encoding == "utf-8"
    assert (got.etag, got.last_modified) == ('"v1"', "Wed, 01 Jan 2025 00:00:00 GMT")
    assert got.headers["etag"] == '"v1"'
    request, _ = server.log[0]
    assert request.headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("ChannelFeeds/")


def test_conditional_get_sends_validators_and_keeps_them_on_304(server):
    server.expect_request("/feed.xml", headers={
        "If-None-Match": '"v1"', "If-Modified-Since": "Wed, 01 Jan 2025 00:00:00 GMT",
    }).respond_with_data(b"", status=304)
    got = fetch(server.url_for("/feed.xml"), etag='"v1"',
                last_modified="Wed, 01 Jan 2025 00:00:00 GMT", allow_private=True)
    assert (got.status, got.body, got.not_modified) == (304, b"", True)
    assert (got.etag, got.last_modified) == ('"v1"', "Wed, 01 Jan 2025 00:00:00 GMT")


def test_no_validators_sent_when_none_given(server):
    server.expect_request("/").respond_with_data(b"ok")
    fetch(server.url_for("/"), allow_private=True)
    request, _ = server.log[0]
    assert "If-None-Match" not in request.headers
    assert "If-Modified-Since" not in request.headers


@pytest.mark.parametrize("status", [500, 503, 429])
def test_server_errors_and_throttling_are_transient(server, status):
    server.expect_request("/").respond_with_data(b"busy", status=status)
    error = _error(server.url_for("/"))
    assert (error.message, error.transient, error.status) == (
        f"upstream answered {status}", True, status)


@pytest.mark.parametrize("status", [404, 410, 403])
def test_client_errors_are_permanent(server, status):
    server.expect_request("/").respond_with_data(b"gone", status=status)
    error = _error(server.url_for("/"))
    assert (error.message, error.transient, error.status) == (
        f"upstream answered {status}", False, status)


# -- time ----------------------------------------------------------------------------

def test_read_timeout(server, release):
    def slow(request: Request) -> Response:
        release.wait(HELD)
        return Response(b"late")
    server.expect_request("/").respond_with_handler(slow)
    error = _error(server.url_for("/"), read_timeout=0.2)
    assert (error.message, error.transient) == (
        "timed out after 0.2 s waiting for 127.0.0.1", True)


def test_read_timeout_in_the_middle_of_the_body(server, release):
    server.expect_request("/").respond_with_response(
        Response(_stalled(release, b"<rss>", b"</rss>"), direct_passthrough=True))
    error = _error(server.url_for("/"), read_timeout=0.2)
    assert (error.message, error.transient) == (
        "timed out after 0.2 s waiting for 127.0.0.1", True)


def test_body_cut_short_is_transient(server):
    response = Response(b"<rss>", headers={"Connection": "close"})
    response.headers["Content-Length"] = "1000"
    server.expect_request("/").respond_with_response(response)
    error = _error(server.url_for("/"))
    assert (error.message, error.transient) == (
        "the connection to 127.0.0.1 broke off during the response", True)


@pytest.mark.parametrize("with_length", [True, False], ids=["content-length", "chunked"])
def test_deadline_stops_a_slow_drip(server, release, with_length):
    """Each byte arrives well within the read timeout; only the deadline can stop it,
    and it stops it while the body is still coming (the whole body takes 30 s)."""
    drip = Drip(600, 0.05, stop=release)
    headers = {"Content-Length": "600"} if with_length else {}
    server.expect_request("/").respond_with_response(
        Response(drip, headers=headers, direct_passthrough=True))
    error = _error(server.url_for("/"), read_timeout=2, deadline=0.5)
    assert (error.message, error.transient) == (
        "timed out after 0.5 s fetching from 127.0.0.1", True)
    assert 0 < drip.sent and not drip.finished


def test_connection_refused_is_transient():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = _error(f"http://127.0.0.1:{port}/")
    assert (error.message, error.transient) == (
        "could not connect to 127.0.0.1: connection refused", True)


@pytest.mark.parametrize("allow_private", [True, False])
def test_unknown_host_is_transient(allow_private):
    error = _error("http://nowhere.example/feed", allow_private=allow_private)
    assert (error.message, error.transient) == ("could not resolve host nowhere.example", True)


# -- redirects -----------------------------------------------------------------------

def _chain(server: HTTPServer, hops: int) -> str:
    for n in range(hops):
        server.expect_request(f"/r{n}").respond_with_data(
            b"", status=302, headers={"Location": f"/r{n + 1}"})
    server.expect_request(f"/r{hops}").respond_with_data(b"arrived")
    return server.url_for("/r0")


def test_five_redirects_are_followed(server):
    got = fetch(_chain(server, 5), allow_private=True)
    assert (got.body, got.url) == (b"arrived", server.url_for("/r5"))


def test_six_redirects_are_refused(server):
    error = _error(_chain(server, 6))
    assert (error.message, error.transient) == ("too many redirects (more than 5)", False)
    assert len(server.log) == 6


def test_redirect_loop(server):
    server.expect_request("/loop").respond_with_data(
        b"", status=301, headers={"Location": "/loop"})
    assert _error(server.url_for("/loop")).message == "too many redirects (more than 5)"


def test_redirect_body_is_not_read(server, release):
    """requests' own redirect handling would read all of this body (uncapped) first; it
    does not end until the test does, so a fetch that reads it never gets ``/there``."""
    server.expect_request("/slow-redirect").respond_with_response(Response(
        _stalled(release, b"z" * 1024, b"z" * 1024 * 99, hold=60), status=302, headers={"Location": "/there"}))
    server.expect_request("/there").respond_with_data(b"here")
    got = fetch(server.url_for("/slow-redirect"), allow_private=True, max_bytes=1024,
                read_timeout=10)
    assert (got.body, got.url) == (b"here", server.url_for("/there"))


def test_redirect_to_another_scheme_is_refused(server):
    server.expect_request("/").respond_with_data(
        b"", status=302, headers={"Location": "file:///etc/passwd"})
    error = _error(server.url_for("/"))
    assert error.message == "redirected to an unsupported URL scheme 'file'"


def test_cookies_last_for_one_fetch_only(server):
    server.expect_request("/login").respond_with_data(
        b"", status=302, headers={"Location": "/home", "Set-Cookie": "s=1; Path=/"})
    server.expect_request("/home").respond_with_data(b"home")
    fetch(server.url_for("/login"), allow_private=True)
    fetch(server.url_for("/home"), allow_private=True)
    cookies = [request.headers.get("Cookie") for request, _ in server.log]
    assert cookies == [None, "s=1", None]


# -- size ----------------------------------------------------------------------------

def test_declared_length_over_the_cap_is_refused_up_front(server):
    """The body is short, so only the Content-Length check can produce this error."""
    response = Response(b"tiny")
    response.headers["Content-Length"] = str(50 * 1024 * 1024)
    server.expect_request("/").respond_with_response(response)
    error = _error(server.url_for("/"))
    assert (error.message, error.transient) == ("response larger than 10 MB", False)


def test_streamed_body_over_the_cap_is_refused(server):
    server.expect_request("/").respond_with_response(
        Response(Drip(40, 0, b"y" * 65536), direct_passthrough=True))
    error = _error(server.url_for("/"), max_bytes=1024 * 1024)
    assert error.message == "response larger than 1 MB"
    response_headers = server.log[0][1].headers
    assert "Content-Length" not in response_headers


def test_gzip_body_is_decoded(server):
    text = b"<rss>" + b"item " * 1000 + b"</rss>"
    server.expect_request("/").respond_with_data(
        gzip.compress(text), headers={"Content-Encoding": "gzip"}, content_type="text/xml")
    assert fetch(server.url_for("/"), allow_private=True).body == text
    assert "gzip" in server.log[0][0].headers["Accept-Encoding"]


def test_gzip_bomb_is_refused_by_its_decoded_size(server):
    """64 MB of zeros in 64 KB: refused once 1 MB is decoded, never decoded whole (the
    peak of memory allocated meanwhile stays far under the decoded size)."""
    decoded = 64 * 1024 * 1024
    bomb = gzip.compress(b"\0" * decoded, 9)
    assert len(bomb) < 1024 * 1024
    server.expect_request("/").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        error = _error(server.url_for("/"), max_bytes=1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.message == "response larger than 1 MB"
    assert peak < decoded / 2, f"{peak / 1024 / 1024:.0f} MB allocated"


# -- charset -------------------------------------------------------------------------

def test_charset_from_header(server):
    server.expect_request("/").respond_with_data(
        "café".encode("latin-1"), content_type="text/plain; charset=ISO-8859-1")
    got = fetch(server.url_for("/"), allow_private=True)
    assert (got.encoding, got.text()) == ("iso-8859-1", "café")


@pytest.mark.parametrize("declaration", [
    b'<meta charset="windows-1251">',
    b"<meta http-equiv='Content-Type' content='text/html; charset=windows-1251'>",
])
def test_charset_from_html_meta(server, declaration):
    page = b"<html><head>" + declaration + b"</head><body>" + RUSSIAN.encode("cp1251")
    server.expect_request("/").respond_with_data(page, content_type="text/html")
    got = fetch(server.url_for("/"), allow_private=True)
    assert got.encoding == "windows-1251"
    assert RUSSIAN in got.text()


def test_charset_from_xml_declaration():
    feed = b'<?xml version="1.0" encoding="koi8-r"?><rss/>' + RUSSIAN.encode("koi8-r")
    assert detect_encoding(feed, "application/rss+xml") == "koi8-r"


def test_charset_detected_when_undeclared(server):
    server.expect_request("/").respond_with_data(
        RUSSIAN.encode("cp1251"), content_type="text/plain")
    got = fetch(server.url_for("/"), allow_private=True)
    assert (got.encoding, got.text()) == ("cp1251", RUSSIAN)


def test_byte_order_mark_wins_over_meta():
    page = "\ufeff<meta charset=windows-1251><p>привет".encode("utf-8")
    assert detect_encoding(page, "text/html") == "utf-8"


def test_invalid_bytes_do_not_crash(server):
    server.expect_request("/").respond_with_data(
        b"ok \xff\xfe \xc3", content_type="text/html; charset=utf-8")
    got = fetch(server.url_for("/"), allow_private=True)
    assert got.text().startswith("ok ") and "\ufffd" in got.text()


def test_unknown_charset_label_falls_back():
    assert detect_encoding(b"plain", "text/plain", "text/plain; charset=no-such-thing") == "utf-8"


def test_no_charset_for_binary():
    assert detect_encoding(b"\x00\x01\xff", "video/mp4", "video/mp4") is None


# -- URLs and the private-address guard ------------------------------------------------

@pytest.mark.parametrize("url, scheme", [
    ("file:///etc/passwd", "file"), ("ftp://example.com/x", "ftp"), ("gopher://x/", "gopher"),
])
def test_only_http_and_https(url, scheme):
    error = _error(url)
    assert (error.message, error.transient) == (f"unsupported URL scheme '{scheme}'", False)


def test_url_without_host():
    assert _error("http:///feed.xml").message == "invalid URL 'http:///feed.xml': it has no host name"


@pytest.mark.parametrize("host, message", [
    ("127.0.0.1", "refused: 127.0.0.1 is a private address"),
    ("localhost", "refused: localhost resolves to a private address (127.0.0.1)"),
    ("[::1]", "refused: ::1 is a private address"),
    ("[::ffff:127.0.0.1]", "refused: ::ffff:127.0.0.1 resolves to a private address (127.0.0.1)"),
])
def test_loopback_is_refused_before_anything_is_sent(server, tripwires, host, message):
    url = server.url_for("/").replace("127.0.0.1", host)
    error = _error(url, allow_private=False)
    assert (error.message, error.transient) == (message, False)
    assert server.log == [] and tripwires["connects"] == []


@pytest.mark.parametrize("url, message", [
    ("http://10.0.0.1/", "refused: 10.0.0.1 is a private address"),
    ("http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is a private address"),
    ("https://0.0.0.0/", "refused: 0.0.0.0 is a private address"),
    ("http://intranet.example/", "refused: intranet.example resolves to a private address (10.0.0.1)"),
    ("http://metadata.example/",
     "refused: metadata.example resolves to a private address (169.254.169.254)"),
    ("http://mapped.example/", "refused: mapped.example resolves to a private address (127.0.0.1)"),
    # requests-hardened's own check lets these two through; ours refuses them.
    ("http://sitelocal.example/", "refused: sitelocal.example resolves to a private address (fec0::1)"),
    ("http://compat.example/", "refused: compat.example resolves to a private address (::808:808)"),
])
def test_private_addresses_are_refused_without_connecting(tripwires, url, message):
    error = _error(url, allow_private=False)
    assert (error.message, error.transient) == (message, False)
    assert tripwires["connects"] == []


def test_connection_goes_to_the_checked_address(tripwires):
    """DNS rebinding: the second answer for rebind.example is 127.0.0.1. The guard checks
    the first (public) answer and pins the connection to it; the tripwire stops the
    connect, so nothing is sent to that public address either."""
    with pytest.raises(OffLimits) as info:
        fetch("http://rebind.example/feed", allow_private=False)
    assert info.value.args[0][0] == PUBLIC_IP
    assert tripwires["lookups"].count("rebind.example") == 1
    assert tripwires["connects"] == [PUBLIC_IP]


def test_redirect_to_loopback_is_refused(server):
    """Real sockets: the first origin is exempt from the guard by a mounted adapter (as the
    demo site does), so it stands in for a public site; its redirect goes through the guard."""
    server.expect_request("/start").respond_with_data(
        b"", status=302, headers={"Location": server.url_for("/secret").replace("127.0.0.1", "localhost")})
    server.expect_request("/secret").respond_with_data(b"secret")
    session = make_session(allow_private=False)
    session.mount(server.url_for("/"), requests.adapters.HTTPAdapter())
    error = _error(server.url_for("/start"), session=session)
    assert error.message == "refused: localhost resolves to a private address (127.0.0.1)"
    assert [request.path for request, _ in server.log] == ["/start"]


class _PublicSite(requests.adapters.BaseAdapter):
    """Answers for public.example without any network: a redirect to a private host."""

    def send(self, request, **kwargs):
        response = requests.Response()
        response.status_code, response.url, response.request = 302, request.url, request
        response.headers["Location"] = "http://intranet.example/admin"
        response.raw = io.BytesIO(b"")
        return response

    def close(self):
        pass


def test_redirect_from_a_public_site_to_a_private_host_is_refused(tripwires):
    session = make_session(allow_private=False)
    session.mount("http://public.example/", _PublicSite())
    error = _error("http://public.example/feed", session=session)
    assert error.message == "refused: intranet.example resolves to a private address (10.0.0.1)"
    assert tripwires["connects"] == []


def test_https_connects_to_the_checked_address_but_verifies_the_name():
    """No connection is made: this only asks the adapter how it would connect."""
    adapter = GuardedAdapter(https=True)
    request = requests.Request("GET", "https://rebind.example/feed").prepare()
    host_params, pool_kwargs = adapter.build_connection_pool_key_attributes(request, True)
    assert host_params["host"] == PUBLIC_IP
    assert pool_kwargs["server_hostname"] == pool_kwargs["assert_hostname"] == "rebind.example"
    assert request.headers["Host"] == "rebind.example"


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses(address):
    assert is_public_address(address)


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.9.9.9", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "224.0.0.1", "240.0.0.1", "255.255.255.255", "192.0.2.1",
    "::1", "::", "fe80::1", "fc00::1", "fd12::1", "fec0::1", "ff02::1", "::ffff:127.0.0.1",
    "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1", "64:ff9b::a00:1", "2002:7f00:1::",
    "2001:db8::1",
])
def test_non_public_addresses(address):
    assert not is_public_address(address)


def test_shared_sessions_are_cached_per_mode():
    assert fetch_module._shared_session(True) is fetch_module._shared_session(True)
    assert fetch_module._shared_session(True) is not fetch_module._shared_session(False)
