"""Every feed of feedparser's sanitiser suite, ingested through a real refresh:
nothing dangerous reaches any output of ours (companion API, published feeds)."""
from __future__ import annotations

import re

import pytest
from lxml import etree
from sqlalchemy import func, select, update
from werkzeug import Response

from feeds.publish import publish_channel
from feeds.refresh import refresh_source
from feeds.store.tables import Channel, Item, Source
from tests.conftest import shared

DANGEROUS = re.compile(
    r"<\s*(script|iframe|frame|embed|object|applet|style|meta|link|form|base)\b"
    r"|javascript:|vbscript:|\son\w+\s*=|style\s*=|=\s*[\"']?\s*data:", re.IGNORECASE)
FEEDS = ("roku.json", "mrss.xml", "search.json")


@pytest.fixture
def hostile_app(app, httpserver):
    """One channel per corpus file (so no entry is folded into another's item),
    each refreshed from the local server and published.

    The corpus has no videos and most of its entries no title, which would leave
    every entry out of the Roku feed, its Search feed and Media RSS. So each stored
    entry is made playable (a video, a duration, a title where it has none, the
    channel's thumbnail) before the publish: its hostile text goes into those
    feeds too."""
    corpus = shared("corpus", "feed-sanitize")
    files = sorted(corpus.glob("*.xml"))
    assert len(files) > 400, f"expected the feedparser corpus at {corpus}"
    httpserver.expect_request(re.compile(r"/feeds/.+")).respond_with_handler(
        lambda request: Response((corpus / request.path.rsplit("/", 1)[1]).read_bytes(),
                                 content_type="application/xml"))
    backend = app.extensions["backend"]
    with backend.Session() as session:
        for number, file in enumerate(files):
            session.add(Channel(id=f"h{number}", title=file.stem,
                                default_thumbnail="https://cdn.example/channel.jpg"))
            session.add(Source(channel_id=f"h{number}", kind="rss",
                               url=httpserver.url_for(f"/feeds/{file.name}")))
        session.commit()
        ids = [source.id for source in session.query(Source)]
    reports = [refresh_source(backend.Session, i, allow_private=True) for i in ids]
    assert [r.error for r in reports if r.status != "ok"] == []
    with backend.Session() as session:
        session.execute(update(Item).values(
            kind="video", duration=60,
            videos=[{"url": "https://cdn.example/v.m3u8", "type": "application/x-mpegURL"}]))
        session.execute(update(Item).where(Item.title == "").values(title="Untitled"))
        session.commit()
        with_items = set(session.scalars(select(Item.channel_id).group_by(Item.channel_id)))
        assert session.scalar(select(func.count()).select_from(Item)) > 300
    for number in range(len(files)):
        with backend.Session() as session:
            publish_channel(session, backend.snapshots, f"h{number}")
    app.config["HOSTILE_CHANNELS"] = [f"h{number}" for number in range(len(files))]
    app.config["CHANNELS_WITH_ITEMS"] = with_items
    return app


def collect_outputs(client, channel: str, with_items: bool) -> dict[str, str]:
    """Every output of ``channel``: its items listing and each item, its home, and
    (when it has items, all playable) each published feed."""
    outputs = {}
    listing = client.get(f"/api/v1/channels/{channel}/items?limit=100")
    assert listing.status_code == 200
    outputs[f"{channel} items"] = listing.get_data(as_text=True)
    for item in listing.get_json()["items"]:
        outputs[item["id"]] = client.get(f"/api/v1/items/{item['id']}").get_data(as_text=True)
    paths = [f"/api/v1/channels/{channel}/home"]
    paths += [f"/feeds/{channel}/{name}" for name in FEEDS] if with_items else []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        outputs[path] = xml_text(response.data) if path.endswith(".xml") else response.get_data(as_text=True)
    return outputs


def xml_text(body: bytes) -> str:
    """What Media RSS carries, its own markup aside: every text and attribute value,
    unescaped, as a reader that shows it as HTML would read it."""
    root = etree.fromstring(body)
    return "\n".join([*root.itertext(), *(value for element in root.iter() for value in element.attrib.values())])


def test_no_output_carries_dangerous_markup(hostile_app):
    client = hostile_app.test_client()
    with_items = hostile_app.config["CHANNELS_WITH_ITEMS"]
    outputs: dict[str, str] = {}
    for channel in hostile_app.config["HOSTILE_CHANNELS"]:
        outputs |= collect_outputs(client, channel, channel in with_items)
    assert sum(1 for name in outputs if " items" not in name and "/" not in name) > 300
    for name in FEEDS:
        assert sum(path.endswith(f"/{name}") for path in outputs) == len(with_items) > 300, name
    leaks = {name: match.group(0) for name, text in outputs.items()
             if (match := DANGEROUS.search(text))}
    assert leaks == {}
