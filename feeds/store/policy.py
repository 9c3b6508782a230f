"""When a source is next due, after a success or after a failure.

A source that keeps failing is pushed back further each time (exponential, with
jitter so that many failing sources do not all come back at once), and after
``DISABLE_AFTER`` failures in a row it is disabled until ops enable it again."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_BACKOFF = 6 * 3600
DISABLE_AFTER = 10


def next_due_after_success(now: datetime, every: int) -> datetime:
    return now + timedelta(seconds=every)


def backoff_seconds(every: int, failures: int, rng: random.Random | None = None) -> float:
    """``every`` doubled per failure in a row, capped, with up to 10% jitter."""
    base = min(every * 2 ** max(failures - 1, 0), MAX_BACKOFF)
    jitter = (rng or random).uniform(0, 0.1 * base)
    return base + jitter


def next_due_after_failure(now: datetime, every: int, failures: int,
                           rng: random.Random | None = None) -> datetime:
    return now + timedelta(seconds=backoff_seconds(every, failures, rng))


def should_disable(failures: int) -> bool:
    return failures >= DISABLE_AFTER


@dataclass(frozen=True)
class PushPolling:
    """How a source whose hub pushes to us (an active WebSub lease) is still polled, as a
    safety net: ``factor`` times less often than its interval, but at least every
    ``max_seconds`` (and never more often than its own interval)."""

    factor: float = 4.0
    max_seconds: int = 6 * 3600

    def interval(self, every: int) -> int:
        return max(every, min(int(every * self.factor), self.max_seconds))


def next_poll_while_pushed(last_refresh: datetime, every: int, lease_expires: datetime,
                           polling: PushPolling) -> datetime:
    """When a pushed source is next polled: the slower interval after its last refresh
    (a push's refresh counts), and at the latest when its lease ends, so that a hub gone
    quiet past its lease leaves the source on its normal schedule again."""
    return min(last_refresh + timedelta(seconds=polling.interval(every)), lease_expires)
