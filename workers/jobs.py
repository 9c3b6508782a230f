"""The work itself, the same whoever runs it: refresh a source, then publish its
channel when the refresh changed something."""
from __future__ import annotations

import logging

from feeds.backend import Backend
from feeds.publish import PublishError, PublishReport, publish_channel
from feeds.refresh import RunReport, refresh_source

log = logging.getLogger("workers")


def refresh(backend: Backend, source_id: int) -> RunReport:
    return refresh_source(backend.Session, source_id,
                          allow_private=backend.settings.fetch_allow_private)


def publish(backend: Backend, channel_id: str) -> PublishReport | None:
    """Publish ``channel_id``; a refused build leaves the published feeds as they were."""
    with backend.Session() as session:
        try:
            report = publish_channel(session, backend.snapshots, channel_id)
        except PublishError as exc:
            log.error("publish refused for %s: %s", channel_id, exc)
            return None
    log.info("publish", extra={"event": "publish", "channel": channel_id, "sizes": report.sizes})
    return report


def refresh_and_publish(backend: Backend, source_id: int) -> RunReport:
    report = refresh(backend, source_id)
    if report.changed:
        publish(backend, report.channel_id)
    return report
