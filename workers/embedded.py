"""The embedded mode: the tick and the refreshes on one thread of the web process,
with no Celery and no Redis."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from feeds import events, webhooks
from feeds.backend import Backend
from feeds.store import schedule
from workers import websub
from workers.jobs import notify, publish, refresh_and_publish

log = logging.getLogger("workers.embedded")
STALE_AFTER = timedelta(hours=1)
"""A thread has no task time limit; a refresh's own fetch deadlines end it far sooner."""


class EmbeddedRunner(threading.Thread):
    def __init__(self, backend: Backend, interval: float) -> None:
        super().__init__(name="channel-refresh", daemon=True)
        self.backend = backend
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.tick()
            self.stopped.wait(self.interval)

    def tick(self) -> list[int]:
        try:
            dispatched = schedule.tick(self.backend.Session, self.refresh, STALE_AFTER, STALE_AFTER,
                                       publish=self.publish,
                                       push_polling=websub.push_polling(self.backend))
            notify(self.backend, events.stale_channels)
            notify(self.backend, webhooks.overdue)
        except Exception:
            log.exception("tick failed")
            return []
        try:
            websub.run_here(self.backend)
        except Exception:
            log.exception("websub discoveries and renewals failed")
        return dispatched

    def refresh(self, source_id: int) -> None:
        try:
            refresh_and_publish(self.backend, source_id)
        except Exception:
            log.exception("refresh of source %s failed", source_id)

    def publish(self, channel_id: str, trigger: str = "") -> None:
        try:
            publish(self.backend, channel_id, trigger=trigger)
        except Exception:
            log.exception("publish of channel %s failed", channel_id)

    def stop(self) -> None:
        self.stopped.set()


def start(backend: Backend) -> EmbeddedRunner:
    runner = EmbeddedRunner(backend, backend.settings.tick_seconds)
    runner.start()
    return runner
