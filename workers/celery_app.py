"""The Celery app, on the Redis broker named by ``REDIS_URL``.

Settings for at-least-once work: a task is acknowledged only when it finished and
is handed to another worker when its worker dies; Redis redelivers an unacknowledged
task after the visibility timeout, which therefore outlasts the longest task."""
from __future__ import annotations

import os
import sys

from celery import Celery, beat, signals

from feeds.logs import configure_logging
from feeds.settings import Settings
from feeds.store import migrate
from feeds.store.engine import make_engine

TICK_SECONDS = float(os.environ.get("CHANNEL_TICK_SECONDS") or 5)
HARD_TIME_LIMIT = int(os.environ.get("CHANNEL_TASK_TIME_LIMIT") or 300)
SOFT_TIME_LIMIT = int(HARD_TIME_LIMIT * 0.8)
VISIBILITY_TIMEOUT = int(os.environ.get("CHANNEL_VISIBILITY_TIMEOUT") or 3600)


def make_celery(settings: Settings | None = None) -> Celery:
    configure_logging()
    settings = settings or Settings.from_env()
    app = Celery("channel", broker=settings.redis_url or "redis://127.0.0.1:6379/0",
                 include=["workers.tasks", "workers.webhooks", "workers.websub"])
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_time_limit=HARD_TIME_LIMIT,
        task_soft_time_limit=SOFT_TIME_LIMIT,
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        broker_connection_retry_on_startup=True,
        broker_transport="workers.broker:Transport",
        broker_transport_options={
            "visibility_timeout": VISIBILITY_TIMEOUT,
            "unacked_restore_interval": max(1, min(10, VISIBILITY_TIMEOUT // 4)),
            "unacked_restore_throttle": 1,
        },
        task_default_queue="channel",
        # The default exchange routes by queue name alone: a message sent just after
        # a broker restart lands in its queue even before a worker re-declares it.
        task_default_exchange="",
        task_default_routing_key="channel",
        worker_hijack_root_logger=False,
        beat_schedule={"tick": {"task": "workers.tasks.tick", "schedule": TICK_SECONDS}},
        # The tick is the only entry and the schedules live in the store: beat keeps
        # nothing worth a file (the default scheduler's shelve needs a writable folder).
        beat_scheduler="celery.beat:Scheduler",
    )
    return app


@signals.worker_init.connect
@signals.beat_init.connect
def require_current_schema(sender=None, **_) -> None:
    """A worker or beat started against a store whose schema is behind stops at once,
    saying which command to run, rather than failing on every task."""
    engine = make_engine(Settings.from_env().database_url)
    try:
        migrate.require_current(engine)
    except migrate.SchemaOutOfDate as exc:
        sys.exit(f"channel {'beat' if isinstance(sender, beat.Service) else 'worker'}: {exc}")
    finally:
        engine.dispose()


celery = make_celery()
