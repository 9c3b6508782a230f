"""``/metrics``: what ops graph, counted as the product works."""
from __future__ import annotations

import re
import time
from pathlib import Path

import yaml
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from channel import create_app
from tests.conftest import make_settings

REPO = Path(__file__).resolve().parents[2]


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


def exposed(client) -> dict[tuple[str, tuple], float]:
    """Every sample ``/metrics`` shows, by name and labels."""
    text = client.get("/metrics").get_data(as_text=True)
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def grown(before: dict, after: dict, name: str, **labels) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_refreshes_publishes_and_cache_hits_are_exposed(sqlite_url):
    """The counts ``/metrics`` shows grow as the demo is refreshed, published and
    served (the registry is the process's: other tests count in it too)."""
    app = create_app(make_settings(sqlite_url, load_demo=True), run_tasks=False)
    client = app.test_client()
    before = exposed(client)
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    client.get("/feeds/demo/roku.json")
    after = exposed(client)
    app.extensions["backend"].close()
    # at least: a refresh or publish by another test's app, still running, counts here too
    assert grown(before, after, "channel_refreshes_total", source="1", status="ok") >= 1
    assert grown(before, after, "channel_refresh_seconds_count", source="1") >= 1
    assert grown(before, after, "channel_refresh_seconds_bucket", source="1", le="+Inf") >= 1
    assert grown(before, after, "channel_publishes_total", channel="demo", outcome="ok") >= 1
    assert grown(before, after, "channel_cache_lookups_total", result="hit") >= 1


def test_unknown_feed_paths_do_not_grow_the_label_set(client):
    before = exposed(client)
    client.get("/feeds/x/whatever-1.json")
    client.get("/feeds/x/whatever-2.json")
    after = exposed(client)
    assert grown(before, after, "channel_feed_requests_total", format="other", status="404") == 2
    assert not [key for key in after if "whatever" in str(key)]


def test_the_store_gauges_say_what_the_alerts_watch(demo_app):
    from feeds.store.tables import Source

    backend = demo_app.extensions["backend"]
    with backend.Session() as session:
        broken = session.get(Source, 1)
        broken.failures, broken.enabled, broken.disabled_reason = 10, False, "disabled after 10 failed refreshes"
        session.commit()
    text = demo_app.test_client().get("/metrics").get_data(as_text=True)
    assert 'channel_source_failures{channel="demo",source="1"} 10.0' in text
    assert 'channel_source_disabled{channel="demo",source="1"} 1.0' in text
    assert 'channel_source_disabled{channel="demo",source="2"} 0.0' in text
    published = float(re.search(r'channel_last_publish_timestamp_seconds\{channel="demo"\} (\S+)', text).group(1))
    assert abs(published - time.time()) < 600
    assert re.search(r'channel_publish_expected_seconds\{channel="demo"\} \d', text)


def test_every_metric_the_alert_rules_use_is_exported(demo_app):
    rules = yaml.safe_load((REPO / "deploy" / "alerts.yml").read_text())["groups"][0]["rules"]
    demo_app.test_client().get("/feeds/demo/roku.json")
    exported = set(re.findall(r"^(channel_\w+?)(?:_total|_created)?[{ ]",
                              demo_app.test_client().get("/metrics").get_data(as_text=True), re.M))
    used = {name.removesuffix("_total") for rule in rules for name in re.findall(r"\bchannel_\w+", rule["expr"])}
    assert {rule["alert"] for rule in rules} >= {"ChannelSourceFailing", "ChannelSourceDisabled", "ChannelStale"}
    assert used and used <= exported, used - exported
