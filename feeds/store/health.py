"""The store's view of a deployment's health, as Prometheus gauges read at each scrape:
failures in a row and disabled sources, each channel's last publish and how often it
is expected, and the media its last publish found dead. ``deploy/alerts.yml`` alerts on them."""
from __future__ import annotations

from typing import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from feeds.store.published import media_problems
from feeds.store.tables import Publish, Source


class StoreGauges(Collector):
    def __init__(self, Session: sessionmaker) -> None:
        self.Session = Session

    def collect(self) -> Iterator[GaugeMetricFamily]:
        failures = GaugeMetricFamily("channel_source_failures", "Failed refreshes in a row.",
                                     labels=["channel", "source"])
        disabled = GaugeMetricFamily("channel_source_disabled",
                                     "1 when the source was disabled after failing.", labels=["channel", "source"])
        last = GaugeMetricFamily("channel_last_publish_timestamp_seconds",
                                 "When the channel was last published (Unix time).", labels=["channel"])
        expected = GaugeMetricFamily("channel_publish_expected_seconds",
                                     "How often the channel's most frequent source refreshes.",
                                     labels=["channel"])
        media = GaugeMetricFamily("channel_media_problems",
                                  "Media that failed its check in the channel's last publish.",
                                  labels=["channel"])
        with self.Session() as session:
            for source in session.scalars(select(Source)):
                labels = [source.channel_id, str(source.id)]
                failures.add_metric(labels, source.failures)
                disabled.add_metric(labels, int(not source.enabled and bool(source.disabled_reason)))
                if source.enabled:
                    expected.add_metric([source.channel_id], source.every)
            for channel_id, at in session.execute(
                    select(Publish.channel_id, func.max(Publish.published_at)).group_by(Publish.channel_id)):
                last.add_metric([channel_id], at.timestamp())
            latest = select(func.max(Publish.id)).group_by(Publish.channel_id)
            for channel_id, report in session.execute(
                    select(Publish.channel_id, Publish.report).where(Publish.id.in_(latest))):
                media.add_metric([channel_id], len(media_problems(report)))
        yield from (failures, disabled, last, _lowest(expected), media)


def _lowest(family: GaugeMetricFamily) -> GaugeMetricFamily:
    """One sample per channel: its most frequent source's interval."""
    best: dict[str, float] = {}
    for sample in family.samples:
        channel = sample.labels["channel"]
        best[channel] = min(best.get(channel, sample.value), sample.value)
    lowest = GaugeMetricFamily(family.name, family.documentation, labels=["channel"])
    for channel, value in sorted(best.items()):
        lowest.add_metric([channel], value)
    return lowest
