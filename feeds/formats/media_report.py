"""What a publish says about the media of the items it carries: tiles that fell back to a
title card and why, renditions dropped by their checks, items not checked yet, and
warnings for people (near the size budget, long videos without captions)."""
from __future__ import annotations

from dataclasses import dataclass, field

from feeds.formats.roku_doc import Row
from feeds.store.media import fresh_media

LONG_FORM = 20 * 60
NEAR_BUDGET = 0.9


@dataclass
class MediaReport:
    artwork_fallbacks: list[dict] = field(default_factory=list)
    media_problems: list[dict] = field(default_factory=list)
    media_unchecked: int = 0
    warnings: list[str] = field(default_factory=list)


def media_report(rows: list[Row], roku_size: int = 0, budget: int = 0) -> MediaReport:
    """From the rows a Roku feed carries (published, id, made, item)."""
    report = MediaReport()
    uncaptioned = 0
    for _, ident, made, item in rows:
        media = fresh_media(item)
        if media is None or not media.checked:
            report.media_unchecked += 1
        if media is None:
            continue
        if media.artwork_note:
            report.artwork_fallbacks.append({"id": ident, "reason": f"title card: {media.artwork_note}"})
        report.media_problems += [{"id": ident, **problem} for problem in media.problems]
        duration = made.fields.get("content", {}).get("duration") or 0
        if duration >= LONG_FORM and not media.captions and not made.fields["content"].get("captions"):
            uncaptioned += 1
    if uncaptioned:
        report.warnings.append(f"{uncaptioned} long-form videos (20 minutes or more) have no captions")
    if report.media_unchecked:
        report.warnings.append(f"{report.media_unchecked} items carried without a media check "
                               "(published outside a worker, or CHANNEL_MEDIA_CHECKS is off)")
    if budget and roku_size >= budget * NEAR_BUDGET:
        report.warnings.append(f"the Roku feed is {roku_size:,} bytes, near its budget of {budget:,}")
    return report
