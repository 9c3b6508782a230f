"""The work itself, the same whoever runs it: refresh a source under its lock,
then publish its channel when the refresh changed something."""
from __future__ import annotations

import logging
import os

from feeds.backend import Backend
from feeds.metrics import PUBLISHES
from feeds.publish import ChannelHeld, PublishError, PublishReport, publish_channel
from feeds.refresh import RunReport, refresh_source
from feeds.store.runs import refuse_run

log = logging.getLogger("workers")

LOCK_SECONDS = float(os.environ.get("CHANNEL_LOCK_SECONDS") or 30)
BUSY = "skipped: another refresh of this source was already running"


def refresh(backend: Backend, source_id: int, run_id: int | None = None,
            failure_counted: bool = False) -> RunReport | None:
    """Refresh one source, unless another refresh of it is running (then ``None``).
    The lock is renewed while the refresh runs and lapses soon after its holder dies.
    ``failure_counted``: a retry of a refresh whose failure was already counted (see
    ``refresh_source``)."""
    with backend.snapshots.lock(f"refresh:{source_id}", timeout=LOCK_SECONDS) as acquired:
        if not acquired:
            log.info("refresh of source %s skipped: already running", source_id)
            return None
        return refresh_source(backend.Session, source_id, run_id=run_id,
                              allow_private=backend.settings.fetch_allow_private,
                              failure_counted=failure_counted)


def publish(backend: Backend, channel_id: str, trigger: str = "") -> PublishReport | None:
    """Publish ``channel_id``; a refused build, or a channel ops hold, leaves the
    published feeds as they were."""
    with backend.Session() as session:
        try:
            report = publish_channel(session, backend.snapshots, channel_id, trigger=trigger,
                                     retention=backend.settings.retention())
        except ChannelHeld as exc:
            PUBLISHES.labels(channel=channel_id, outcome="held").inc()
            log.info("publish held", extra={"event": "publish", "channel": channel_id, "error": str(exc)})
            return None
        except PublishError as exc:
            PUBLISHES.labels(channel=channel_id, outcome="refused").inc()
            log.error("publish refused", extra={"event": "publish", "channel": channel_id,
                                                "error": str(exc)})
            return None
    PUBLISHES.labels(channel=channel_id, outcome="ok").inc()
    log.info("publish", extra={"event": "publish", "channel": channel_id, "sizes": report.sizes})
    return report


def refresh_and_publish(backend: Backend, source_id: int, run_id: int | None = None) -> RunReport | None:
    report = refresh(backend, source_id, run_id)
    if report is None and run_id is not None:
        refuse_run(backend.Session, run_id, BUSY)
    if report is not None and report.changed:
        publish(backend, report.channel_id, trigger=f"refresh of source {source_id}")
    return report
