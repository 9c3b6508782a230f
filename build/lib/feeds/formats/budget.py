"""Keeping a feed under a size budget by carrying fewer items, newest first.

Each item's serialised size is measured once; the items are then taken in order
while they fit. The caller serialises the result once to check it, and asks for a
smaller fit only if its estimate of the fixed part fell short."""
from __future__ import annotations

from dataclasses import dataclass

DEFAULT_BUDGET = 450 * 1024


@dataclass(frozen=True)
class Cost:
    """Bytes an item adds to the feed; ``shared`` bytes are paid once per ``group``
    (the series an episode belongs to), by its first item carried."""

    own: int
    group: str = ""
    shared: int = 0


def over_budget_reason(budget: int) -> str:
    return f"over the {budget // 1024} KB budget"


class Budget:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.shortfall = 0

    def fit(self, fixed: int, costs: list[Cost]) -> list[bool]:
        """Which items to carry, in order, so that the total stays within the limit."""
        room = self.limit - self.shortfall - fixed
        paid: set[str] = set()
        kept = []
        for cost in costs:
            need = cost.own + (0 if cost.group in paid else cost.shared)
            keep = need <= room
            if keep:
                room -= need
                paid.add(cost.group)
            kept.append(keep)
        return kept

    def holds(self, size: int) -> bool:
        return size <= self.limit

    def shrink(self, size: int) -> None:
        """The estimate fell short: the next fit leaves that much more room."""
        self.shortfall += size - self.limit
