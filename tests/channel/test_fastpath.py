"""The hot path in front of Flask answers exactly as the Flask route would."""
from __future__ import annotations

import gzip

from werkzeug.test import Client


def test_fast_path_and_flask_route_give_the_same_answers(demo_app):
    fast = demo_app.test_client()
    slow = Client(demo_app.wsgi_app.app)
    # What each Accept-Encoding asks for, as RFC 9110 reads it (gzip's own weight wins over "*").
    for accept, zipped in ((None, False), ("gzip, br", True), ("gzip;q=0, br", False), ("GZIP", True),
                           ("br;q=1.0, gzip;q=0.5", True), ("deflate, *", True), ("gzip;q=0, *", False),
                           ("*;q=0", False), ("identity", False)):
        headers = {} if accept is None else {"Accept-Encoding": accept}
        a = fast.get("/feeds/demo/roku.json", headers=headers)
        b = slow.get("/feeds/demo/roku.json", headers=headers)
        assert a.status_code == b.status_code == 200
        assert a.data == b.data
        for name in ("ETag", "Last-Modified", "Cache-Control", "Content-Type", "Content-Encoding",
                     "Content-Length", "Vary"):
            assert a.headers.get(name) == b.headers.get(name), name
        assert a.headers.get("Content-Encoding") == ("gzip" if zipped else None), accept
    etag = fast.get("/feeds/demo/roku.json").headers["ETag"]
    assert fast.get("/feeds/demo/roku.json", headers={"If-None-Match": f'W/"x", {etag}'}).status_code == 304
    head = fast.head("/feeds/demo/roku.json", headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200 and head.data == b""
    assert gzip.decompress(fast.get("/feeds/demo/roku.json", headers={"Accept-Encoding": "gzip"}).data) == \
        fast.get("/feeds/demo/roku.json").data


def test_other_paths_and_methods_go_on_to_flask(demo_app):
    client = demo_app.test_client()
    assert client.post("/feeds/demo/roku.json").status_code == 405
    assert client.get("/feeds/demo/other.json").status_code == 404
    assert client.get("/feeds/nope/roku.json").get_json()["status"] == 404
