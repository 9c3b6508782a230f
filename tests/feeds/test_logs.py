"""One JSON line per event, with the event's fields."""
from __future__ import annotations

import json

from feeds.logs import configure_logging
from feeds.refresh import refresh_source
from feeds.store.tables import Channel, Source
from workers.jobs import publish


def events(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_refresh_and_a_publish_each_log_one_json_line(backend, httpserver, capsys):
    configure_logging()
    httpserver.expect_request("/v.xml").respond_with_data(
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>v</title>'
        '<item><title>Clip</title><guid>c1</guid><media:content url="https://cdn.example/c.m3u8" '
        'type="application/x-mpegURL" duration="30"/></item></channel></rss>',
        content_type="application/rss+xml")
    with backend.Session() as session:
        session.add(Channel(id="news", title="News", default_thumbnail="https://cdn.example/t.jpg"))
        session.add(Source(id=7, channel_id="news", kind="mrss", url=httpserver.url_for("/v.xml")))
        session.commit()
    refresh_source(backend.Session, 7, allow_private=True)
    publish(backend, "news")
    logged = events(capsys.readouterr().err)
    [refresh] = [e for e in logged if e.get("event") == "refresh"]
    assert (refresh["source_id"], refresh["status"], refresh["new"]) == (7, "ok", 1)
    assert refresh["duration"] >= 0 and refresh["level"] == "info"
    [published] = [e for e in logged if e.get("event") == "publish"]
    assert published["channel"] == "news" and published["sizes"]["roku.json"] > 0
