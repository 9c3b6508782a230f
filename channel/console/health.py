"""A channel's health at a glance, from what the admin API shows of it: its live
publish (age, items, size against the budget, items left out), its sources
(failing, disabled) and its hold."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from channel.console.format import duration, moment
from channel.publishes import publish_document
from feeds.dates import utcnow
from feeds.formats.budget import DEFAULT_BUDGET
from feeds.store import history
from feeds.store import sources as ops
from feeds.store.tables import Channel, Item, Source

LATE_AFTER = 3
"""A live publish older than this many times the shortest refresh interval is late."""
NEAR_BUDGET = 0.9


@dataclass
class Health:
    channel: dict
    sources: list[dict]
    live: dict | None
    budget: int = DEFAULT_BUDGET
    problems: list[str] = field(default_factory=list)

    @property
    def report(self) -> dict:
        return (self.live or {}).get("report") or {}

    @property
    def age(self) -> float | None:
        when = moment(self.live["published_at"]) if self.live else None
        return (utcnow() - when).total_seconds() if when else None

    @property
    def shortest(self) -> int | None:
        return min((s["every"] for s in self.sources if s["enabled"]), default=None)

    @property
    def feed_size(self) -> int | None:
        return self.report.get("sizes", {}).get("roku.json")

    @property
    def failing(self) -> list[dict]:
        return [s for s in self.sources if s["enabled"] and s["failures"]]

    @property
    def disabled(self) -> list[dict]:
        return [s for s in self.sources if not s["enabled"]]

    @property
    def state(self) -> str:
        if self.channel["hold"]:
            return "held"
        return "attention" if self.problems else "ok"


def channel_health(session: Session, channel: Channel) -> Health:
    sources = [ops.source_document(s) for s in session.scalars(
        select(Source).where(Source.channel_id == channel.id).order_by(Source.id))]
    live_id = history.live_publish_id(session, channel.id)
    live = history.find(session, channel.id, live_id) if live_id else None
    health = Health(ops.channel_admin_document(channel), sources,
                    publish_document(live, live_id, full=True) if live else None)
    health.problems = problems(health)
    return health


def problems(health: Health) -> list[str]:
    """What ops should look at, each in a few words."""
    found = []
    if health.live is None:
        found.append("never published")
    elif health.shortest and health.age and health.age > LATE_AFTER * health.shortest:
        found.append(f"last publish {duration(health.age)} ago, sources every {duration(health.shortest)}")
    if health.feed_size and health.feed_size > NEAR_BUDGET * health.budget:
        found.append(f"feed at {100 * health.feed_size // health.budget}% of its size budget")
    if health.failing:
        found.append(f"{len(health.failing)} failing source{'s' * (len(health.failing) > 1)}")
    if health.disabled:
        found.append(f"{len(health.disabled)} disabled source{'s' * (len(health.disabled) > 1)}")
    if left_out := len(health.report.get("left_out", [])):
        found.append(f"{left_out} item{'s' * (left_out > 1)} left out")
    if health.channel["hold"]:
        found.append(f"held by {health.channel['hold']['by']}")
    return found


def every_channel(session: Session) -> list[Health]:
    return [channel_health(session, channel)
            for channel in session.scalars(select(Channel).order_by(Channel.id))]


def titled(session: Session, reasons: dict[str, str]) -> list[dict]:
    """Items left out, with their titles where we still hold them."""
    titles = dict(session.execute(select(Item.id, Item.title).where(Item.id.in_(reasons))).all())
    return [{"id": ident, "title": titles.get(ident, ""), "reason": reason, "stored": ident in titles}
            for ident, reason in reasons.items()]


def report_titles(session: Session, report: dict) -> dict[str, str]:
    """The titles of the items any list of a publish report names by ``id``."""
    ids = {entry["id"] for value in report.values() if isinstance(value, list)
           for entry in value if isinstance(entry, dict) and isinstance(entry.get("id"), str)}
    return dict(session.execute(select(Item.id, Item.title).where(Item.id.in_(ids))).all()) if ids else {}
