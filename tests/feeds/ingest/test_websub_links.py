"""WebSub on the wire: the hub and topic a feed advertises (Link headers first, then
the feed's own links), the signature of a push under every recognised algorithm, and
a subscription request to a hub on a local port."""
from __future__ import annotations

import hashlib
import hmac

import pytest
from requests.structures import CaseInsensitiveDict
from werkzeug import Response

from feeds.ingest import websub
from feeds.ingest.fetch import fetch, make_session

BASE = "https://news.example/feeds/world.xml"


def rss(links: str = "", item_links: str = "") -> bytes:
    return (f'<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
            f"<channel><title>World</title><link>https://news.example/</link>{links}"
            f"<item><title>One</title><guid>1</guid>{item_links}</item></channel></rss>").encode()


def atom(links: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>World</title><id>urn:x</id>{links}"
            f'<entry><id>urn:1</id><title>One</title><link rel="hub" href="https://evil.example/"/></entry>'
            f"</feed>").encode()


def headers(**values: str) -> CaseInsensitiveDict:
    return CaseInsensitiveDict(values)


def test_link_headers_name_the_hub_and_the_topic():
    found = websub.advertised(
        headers(Link='<https://hub.example/>; rel="hub", <https://news.example/world>; rel="self"'),
        b"not xml at all", BASE)
    assert found == websub.Advertised(("https://hub.example/",), "https://news.example/world", "headers")
    assert found.hub == "https://hub.example/"


def test_link_headers_with_several_relations_relative_targets_and_bare_rel():
    found = websub.advertised(
        headers(Link='</hub>; rel=hub, <world.xml>; title="x, y"; rel="alternate self"'), b"", BASE)
    assert found.hubs == ("https://news.example/hub",)
    assert found.topic == "https://news.example/feeds/world.xml"


def test_link_headers_win_over_the_body():
    body = rss('<atom:link rel="hub" href="https://body-hub.example/"/>'
               '<atom:link rel="self" href="https://news.example/body-self"/>')
    found = websub.advertised(headers(Link="<https://header-hub.example/>; rel=hub"), body, BASE)
    assert found.hubs == ("https://header-hub.example/",) and found.where == "headers"
    assert found.topic == "https://news.example/body-self", \
        "the topic, missing beside the hub, comes from the body"


def test_rss_atom_links_in_the_channel():
    body = rss('<atom:link rel="hub" href="http://hub-a.example/"/>'
               '<atom:link rel="hub" href="https://hub-b.example/"/>'
               '<atom:link rel="self" type="application/rss+xml" href="https://news.example/world.rss"/>',
               item_links='<atom:link rel="hub" href="https://item-hub.example/"/>')
    found = websub.advertised(headers(), body, BASE)
    assert found.hubs == ("http://hub-a.example/", "https://hub-b.example/") and found.where == "body"
    assert found.hub == "https://hub-b.example/", "an https hub is preferred"
    assert found.topic == "https://news.example/world.rss"


def test_atom_feed_links_and_never_an_entrys():
    found = websub.advertised(headers(), atom('<link rel="hub" href="https://hub.example/h"/>'
                                              '<link rel="self" href="/atom.xml"/>'
                                              '<link href="https://news.example/"/>'), BASE)
    assert found == websub.Advertised(("https://hub.example/h",), "https://news.example/atom.xml", "body")


def test_no_hub_anywhere():
    assert websub.advertised(headers(Link='<https://news.example/a>; rel="self"'),
                             rss('<atom:link rel="self" href="https://news.example/a"/>'), BASE).hub is None
    assert websub.advertised(headers(), atom('<link rel="self" href="/a"/>'), BASE) == websub.Advertised()
    assert websub.advertised(headers(), b"<html><head><title>x</title></head></html>", BASE).hub is None


def test_a_hub_without_a_self_link_has_no_topic_here():
    found = websub.advertised(headers(), rss('<atom:link rel="hub" href="https://hub.example/"/>'), BASE)
    assert found.hub == "https://hub.example/" and found.topic is None


def test_only_http_urls_are_taken():
    found = websub.advertised(headers(Link="<javascript:alert(1)>; rel=hub, <ftp://x/>; rel=hub"),
                              rss('<atom:link rel="hub" href="file:///etc/passwd"/>'), BASE)
    assert found.hub is None


def test_a_feed_declaring_entities_is_not_read():
    body = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY hub "https://hub.example/">]>'
            b'<rss xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
            b'<atom:link rel="hub" href="&hub;"/></channel></rss>')
    assert websub.advertised(headers(), body, BASE).hub is None


def test_links_from_a_real_fetch(httpserver):
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(), content_type="application/rss+xml",
        headers=[("Link", '<https://hub.example/>; rel="hub"'), ("Link", '</feed.xml>; rel="self"')])
    fetched = fetch(httpserver.url_for("/feed.xml"), allow_private=True)
    found = websub.advertised(fetched.headers, fetched.body, fetched.url)
    assert found.hub == "https://hub.example/" and found.topic == httpserver.url_for("/feed.xml")


@pytest.mark.parametrize("method", ["sha1", "sha256", "sha384", "sha512"])
def test_every_recognised_algorithm_is_checked(method):
    body = b"<rss>new</rss>"
    digest = hmac.new(b"s3cret", body, getattr(hashlib, method)).hexdigest()
    assert websub.check_signature("s3cret", body, f"{method}={digest}") == websub.OK
    assert websub.check_signature("s3cret", body, f"{method.upper()}={digest.upper()}") == websub.OK
    assert websub.sign("s3cret", body, method) == f"{method}={digest}"
    assert websub.check_signature("other", body, f"{method}={digest}") == websub.MISMATCH
    assert websub.check_signature("s3cret", body + b" ", f"{method}={digest}") == websub.MISMATCH


@pytest.mark.parametrize("header, verdict", [
    (None, websub.MISSING), ("", websub.MISSING), ("  ", websub.MISSING),
    ("sha256", websub.MALFORMED), ("sha256=", websub.MALFORMED), ("=abcd", websub.MALFORMED),
    ("sha256=not-hex", websub.MALFORMED), ("sha256=" + "a" * 300, websub.MALFORMED),
    ("md5=" + "a" * 32, websub.UNSUPPORTED), ("sha256=" + "0" * 64, websub.MISMATCH),
    ("sha256=abc", websub.MISMATCH),
])
def test_malformed_missing_and_wrong_signatures(header, verdict):
    assert websub.check_signature("s3cret", b"body", header) == verdict


def test_a_subscription_request_is_a_form_post_and_a_307_is_followed(httpserver):
    seen = []

    def hub(request):
        seen.append(dict(request.form))
        return Response("", status=202)

    httpserver.expect_request("/old-hub", method="POST").respond_with_response(
        Response("", status=307, headers={"Location": "/hub"}))
    httpserver.expect_request("/hub", method="POST").respond_with_handler(hub)
    params = {"hub.mode": "subscribe", "hub.topic": "https://news.example/a", "hub.callback": "https://us/cb",
              "hub.secret": "x", "hub.lease_seconds": "60"}
    answer = websub.request_subscription(httpserver.url_for("/old-hub"), params, make_session(True))
    assert answer.accepted and answer.url == httpserver.url_for("/hub") and seen == [params]


def test_a_hub_refusing_or_unreachable(httpserver):
    httpserver.expect_request("/hub", method="POST").respond_with_data("topic not allowed", status=400)
    answer = websub.request_subscription(httpserver.url_for("/hub"), {}, make_session(True))
    assert (answer.status, answer.message, answer.accepted) == (400, "topic not allowed", False)
    gone = websub.request_subscription("http://127.0.0.1:9/hub", {}, make_session(True))
    assert gone.status is None and not gone.accepted
    assert gone.message == "could not connect to 127.0.0.1: connection refused"


def test_a_private_hub_is_refused_by_the_guard():
    answer = websub.request_subscription("http://127.0.0.1:9/hub", {}, make_session(False))
    assert answer.status is None and answer.message == "refused: 127.0.0.1 resolves to a non-public address"
