"""Import a TOML file of ``[[channels]]`` and ``[[sources]]``: the CLI's checks
(``channel sources import``) show what it will add, change or refuse; the browser
then makes each change through the admin API, which checks it again."""
from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field

from flask import render_template, request
from sqlalchemy.orm import Session

from channel.console import bp
from channel.context import backend
from feeds.store import sources as ops
from feeds.store.checks import Invalid, check_channel, check_source
from feeds.store.tables import Channel


@dataclass
class Step:
    what: str
    label: str
    action: str
    """``add``, ``update``, ``unchanged`` or ``refused``."""
    method: str = ""
    url: str = ""
    body: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


@bp.route("/import", methods=["GET", "POST"])
def import_sources():
    if request.method == "GET":
        return render_template("console/import.html")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("console/import.html", error="Choose a TOML file."), 400
    try:
        data = tomllib.loads(upload.read().decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return render_template("console/import.html", error=f"{upload.filename} is not valid TOML: {exc}"), 400
    with backend().Session() as session:
        steps = plan(session, data)
    return render_template("console/import.html", filename=upload.filename, steps=steps,
                           plan=[asdict(step) for step in steps])


def entries(data: dict, name: str) -> list:
    found = data.get(name, [])
    return found if isinstance(found, list) else [found]


def plan(session: Session, data: dict) -> list[Step]:
    steps = [channel_step(session, values) for values in entries(data, "channels")]
    added = {step.label for step in steps if step.action == "add"}
    seen: set[tuple[str, str]] = set()
    return steps + [source_step(session, values, added, seen) for values in entries(data, "sources")]


def channel_step(session: Session, values: object) -> Step:
    label = str(values.get("id", "?")) if isinstance(values, dict) else "?"
    try:
        checked = check_channel(values)
    except Invalid as exc:
        return Step("channel", label, "refused", errors=exc.errors)
    existing = session.get(Channel, checked["id"])
    if existing is None:
        return Step("channel", label, "add", "POST", "/admin/api/channels", values)
    changed = {k: values[k] for k, v in checked.items() if k != "id" and getattr(existing, k) != v}
    if not changed:
        return Step("channel", label, "unchanged")
    return Step("channel", label, "update", "PATCH", f"/admin/api/channels/{existing.id}", changed)


def source_step(session: Session, values: object, added: set[str], seen: set[tuple[str, str]]) -> Step:
    """As the CLI: a new source is added, a known one (same channel and URL) updated."""
    label = str(values.get("url", "?")) if isinstance(values, dict) else "?"
    try:
        checked = check_source(values)
        if session.get(Channel, checked["channel"]) is None and checked["channel"] not in added:
            raise Invalid({"channel": f"no channel {checked['channel']!r}"})
        existing = ops.find_source(session, checked["channel"], checked["url"])
        if existing is None and (checked["channel"], checked["url"]) in seen:
            raise Invalid({"url": "is added twice to this channel by the file"})
    except Invalid as exc:
        return Step("source", label, "refused", errors=exc.errors)
    if existing is None:
        seen.add((checked["channel"], checked["url"]))
        return Step("source", label, "add", "POST", "/admin/api/sources", values)
    changed = {k: values[k] for k, v in checked.items() if k != "channel" and getattr(existing, k) != v}
    if not changed:
        return Step("source", label, "unchanged")
    return Step("source", label, "update", "PATCH", f"/admin/api/sources/{existing.id}", changed)
