"""``/metrics``: what ops graph, counted as the product works."""
from __future__ import annotations

from prometheus_client import REGISTRY


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_feed_requests_and_304s_are_counted(demo_client):
    before_200 = sample("channel_feed_requests_total", format="roku.json", status="200")
    before_304 = sample("channel_feed_requests_total", format="roku.json", status="304")
    etag = demo_client.get("/feeds/demo/roku.json").headers["ETag"]
    demo_client.get("/feeds/demo/roku.json", headers={"If-None-Match": etag})
    demo_client.get("/feeds/demo/roku.json", headers={"If-None-Match": etag})
    assert sample("channel_feed_requests_total", format="roku.json", status="200") == before_200 + 1
    assert sample("channel_feed_requests_total", format="roku.json", status="304") == before_304 + 2


def test_refreshes_publishes_and_cache_hits_are_exposed(demo_client):
    demo_client.get("/feeds/demo/roku.json")
    text = demo_client.get("/metrics").get_data(as_text=True)
    for line_start in ('channel_refreshes_total{source="1",status="ok"}',
                       'channel_publishes_total{channel="demo",outcome="ok"}',
                       'channel_cache_lookups_total{result="hit"}',
                       "channel_refresh_seconds_bucket"):
        assert line_start in text, line_start


def test_unknown_feed_paths_do_not_grow_the_label_set(client):
    client.get("/feeds/x/whatever-1.json")
    client.get("/feeds/x/whatever-2.json")
    text = client.get("/metrics").get_data(as_text=True)
    assert "whatever" not in text and 'format="other"' in text
