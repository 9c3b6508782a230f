"""The work itself, the same whoever runs it: refresh a source under its lock,
then publish its channel when the refresh changed something."""
from __future__ import annotations

import logging
import os

from feeds import events
from feeds.backend import Backend
from feeds.metrics import PUBLISHES
from feeds.prepare import PrepareReport, prepare_channel
from feeds.publish import ChannelHeld, PublishError, PublishReport, publish_channel
from feeds.refresh import Progress, RunReport, http_session, refresh_source
from feeds.store import audit
from feeds.store.runs import refuse_run

log = logging.getLogger("workers")

LOCK_SECONDS = float(os.environ.get("CHANNEL_LOCK_SECONDS") or 30)
MEDIA_SECONDS = float(os.environ.get("CHANNEL_MEDIA_SECONDS") or 60)
"""How long the media checks and artwork before a publish may take; what is not done
by then waits for the next publish."""
BUSY = "skipped: another refresh of this source was already running"


def refresh(backend: Backend, source_id: int, run_id: int | None = None,
            failure_counted: bool = False, progress: Progress | None = None) -> RunReport | None:
    """Refresh one source, unless another refresh of it is running (then ``None``).
    The lock is renewed while the refresh runs and lapses soon after its holder dies.
    ``failure_counted``: a retry of a refresh whose failure was already counted (see
    ``refresh_source``)."""
    with backend.snapshots.lock(f"refresh:{source_id}", timeout=LOCK_SECONDS) as acquired:
        if not acquired:
            log.info("refresh of source %s skipped: already running", source_id)
            return None
        report = refresh_source(backend.Session, source_id, run_id=run_id,
                                allow_private=backend.settings.fetch_allow_private,
                                failure_counted=failure_counted, progress=progress)
    notify(backend, events.after_refresh, report)
    return report


def prepare(backend: Backend, channel_id: str) -> PrepareReport | None:
    """Check the channel's media and make its artwork; a failure here is logged and the
    publish goes on with what was made before."""
    allow_private = backend.settings.fetch_allow_private
    try:
        return prepare_channel(backend.Session, channel_id, http=http_session(allow_private),
                               allow_private=allow_private, deadline=MEDIA_SECONDS,
                               check_media=backend.settings.media_checks)
    except LookupError:
        return None
    except Exception:
        log.exception("media of channel %s could not be prepared", channel_id)
        return None


def publish(backend: Backend, channel_id: str, trigger: str = "") -> PublishReport | None:
    """Check media and make artwork, then publish ``channel_id``; a refused build, or
    a channel ops hold, leaves the published feeds as they were."""
    prepare(backend, channel_id)
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
            session.rollback()
            audit.record(session, channel_id, "publisher", audit.REFUSED, trigger, error=str(exc)[:1000])
            session.commit()
            return None
    PUBLISHES.labels(channel=channel_id, outcome="ok").inc()
    log.info("publish", extra={"event": "publish", "channel": channel_id, "sizes": report.sizes})
    notify(backend, events.after_publish, report, trigger)
    return report


def notify(backend: Backend, event, *args) -> None:
    """Queue what ``event`` finds for the channel's webhooks and send it; the refresh
    or publish that happened stands whatever happens here."""
    from workers.webhooks import send

    try:
        send(backend, event(backend.Session, *args))
    except Exception:
        log.exception("webhooks of %s not queued", event.__name__)


def refresh_and_publish(backend: Backend, source_id: int, run_id: int | None = None) -> RunReport | None:
    report = refresh(backend, source_id, run_id)
    if report is None and run_id is not None:
        refuse_run(backend.Session, run_id, BUSY)
    if report is not None and report.changed:
        publish(backend, report.channel_id, trigger=f"refresh of source {source_id}")
    return report
