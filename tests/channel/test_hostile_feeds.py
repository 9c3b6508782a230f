"""Every feed of feedparser's sanitiser suite, ingested through a real refresh:
nothing dangerous reaches any output of ours (companion API, published feeds)."""
from __future__ import annotations

import re

import pytest
from werkzeug import Response

from feeds.publish import PublishError, publish_channel
from feeds.refresh import refresh_source
from feeds.store.tables import Channel, Source
from tests.conftest import shared

DANGEROUS = re.compile(
    r"<\s*(script|iframe|frame|embed|object|applet|style|meta|link|form|base)\b"
    r"|javascript:|vbscript:|\son\w+\s*=|style\s*=|=\s*[\"']?\s*data:", re.IGNORECASE)


@pytest.fixture
def hostile_app(app, httpserver):
    """One channel per corpus file (so no entry is folded into another's item),
    each refreshed from the local server and published."""
    corpus = shared("corpus", "feed-sanitize")
    files = sorted(corpus.glob("*.xml"))
    assert len(files) > 400, f"expected the feedparser corpus at {corpus}"
    httpserver.expect_request(re.compile(r"/feeds/.+")).respond_with_handler(
        lambda request: Response((corpus / request.path.rsplit("/", 1)[1]).read_bytes(),
                                 content_type="application/xml"))
    backend = app.extensions["backend"]
    with backend.Session() as session:
        for number, file in enumerate(files):
            session.add(Channel(id=f"h{number}", title=file.stem))
            session.add(Source(channel_id=f"h{number}", kind="rss",
                               url=httpserver.url_for(f"/feeds/{file.name}")))
        session.commit()
        ids = [source.id for source in session.query(Source)]
    reports = [refresh_source(backend.Session, i, allow_private=True) for i in ids]
    assert sum(report.status == "ok" for report in reports) > 400
    for number in range(len(files)):
        with backend.Session() as session:
            try:
                publish_channel(session, backend.snapshots, f"h{number}")
            except PublishError:
                pass
    app.config["HOSTILE_CHANNELS"] = [f"h{number}" for number in range(len(files))]
    return app


def collect_outputs(client, channel: str) -> dict[str, str]:
    outputs = {}
    listing = client.get(f"/api/v1/channels/{channel}/items?limit=100")
    assert listing.status_code == 200
    outputs[f"{channel} items"] = listing.get_data(as_text=True)
    for item in listing.get_json()["items"]:
        outputs[item["id"]] = client.get(f"/api/v1/items/{item['id']}").get_data(as_text=True)
    for path in (f"/api/v1/channels/{channel}/home", f"/feeds/{channel}/roku.json",
                 f"/feeds/{channel}/mrss.xml", f"/feeds/{channel}/search.json"):
        response = client.get(path)
        if response.status_code == 200:
            outputs[path] = response.get_data(as_text=True)
    return outputs


def test_no_output_carries_dangerous_markup(hostile_app):
    client = hostile_app.test_client()
    outputs: dict[str, str] = {}
    for channel in hostile_app.config["HOSTILE_CHANNELS"]:
        outputs |= collect_outputs(client, channel)
    assert sum(1 for name in outputs if " items" not in name and "/" not in name) > 300
    leaks = {name: match.group(0) for name, text in outputs.items()
             if (match := DANGEROUS.search(text))}
    assert leaks == {}
