"""Ad breaks by channel policy (``Channel.media["ads"]``), written as Roku ``adBreaks``:

``{"preroll": true, "midroll_every_minutes": 8, "midroll_min_minutes": 10}``: a break at
0:00:00, and for a video of at least ``midroll_min_minutes``, one every
``midroll_every_minutes`` (never in its last minute). Off unless the channel sets it."""
from __future__ import annotations

from typing import NamedTuple


class AdPolicy(NamedTuple):
    preroll: bool = False
    every: int = 0
    longer_than: int = 0

    @classmethod
    def of(cls, media: object) -> "AdPolicy":
        ads = media.get("ads") if isinstance(media, dict) else None
        if not isinstance(ads, dict):
            return cls()
        every = _minutes(ads.get("midroll_every_minutes"))
        return cls(preroll=ads.get("preroll") is True, every=every * 60,
                   longer_than=_minutes(ads.get("midroll_min_minutes")) * 60 if every else 0)

    def breaks(self, duration: int) -> list[str]:
        offsets = [0] if self.preroll else []
        if self.every and duration >= self.longer_than:
            offsets += range(self.every, max(0, duration - 60), self.every)
        return [_clock(seconds) for seconds in offsets]


def _minutes(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 600 else 0


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
