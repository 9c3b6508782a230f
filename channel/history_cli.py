"""``channel publishes|diff|restore|release|report``: a channel's publishes for ops at
a terminal. Plain lines by default, ``--json`` for scripts."""
from __future__ import annotations

import sys

import click
import orjson

from channel.context import backend
from channel.db import store_ready
from feeds.formats.diff import diff_publishes
from feeds.publish import PublishError
from feeds.rollback import baseline, bodies, off_air_now, release, restore
from feeds.store import audit, history
from feeds.store.tables import Channel

as_json = click.option("--json", "json_out", is_flag=True, help="One JSON document, for scripts.")


def _emit(document: dict, json_out: bool, lines: list[str]) -> None:
    if json_out:
        sys.stdout.write(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        click.echo("\n".join(lines))


def _channel(session, channel_id: str) -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None:
        raise click.ClickException(f"no channel {channel_id!r}")
    return channel


def _publish(session, channel_id: str, publish_id: int):
    publish = history.find(session, channel_id, publish_id)
    if publish is None:
        raise click.ClickException(f"no publish {publish_id} of channel {channel_id!r}")
    return publish


@store_ready()
@click.command("publishes")
@click.argument("channel_id")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@as_json
def publishes_command(channel_id: str, limit: int, json_out: bool) -> None:
    """The channel's publishes, newest first."""
    with backend().Session() as session:
        channel = _channel(session, channel_id)
        live_id = history.live_publish_id(session, channel_id)
        rows = history.publishes(session, channel_id, limit)
        documents = [{"id": p.id, "published_at": p.published_at.isoformat(), "trigger": p.trigger,
                      "live": p.id == live_id, "items": (p.report or {}).get("items"),
                      "etags": p.files} for p in rows]
        hold = history.hold_document(channel)
    lines = [f"{d['id']:>6}  {d['published_at'][:19]}  {'LIVE' if d['live'] else '    '}  "
             f"{d['items'] or 0:>5} items  {d['trigger']}" for d in documents]
    if hold:
        lines.insert(0, f"held by {hold['by']} since {hold['at'][:19]} (publish {hold['publish']})")
    _emit({"publishes": documents, "hold": hold}, json_out, lines or ["no publishes yet"])


@store_ready()
@click.command("diff")
@click.argument("channel_id")
@click.argument("publish_id", type=int)
@click.option("--against", default="", help="A publish id, or 'live'. Default: the publish before.")
@as_json
def diff_command(channel_id: str, publish_id: int, against: str, json_out: bool) -> None:
    """What a publish changed on the TV."""
    with backend().Session() as session:
        _channel(session, channel_id)
        after = bodies(session, _publish(session, channel_id, publish_id))
        try:
            before = baseline(session, channel_id, publish_id, against)
        except ValueError as exc:
            raise click.BadParameter("a publish id or 'live'", param_hint="--against") from exc
        except LookupError as exc:
            raise click.ClickException(str(exc)) from exc
    changes = diff_publishes(before, after)
    _emit(changes, json_out, [changes["summary"], *_diff_lines(changes)])


def _diff_lines(changes: dict) -> list[str]:
    items = changes["items"]
    lines = [f"  + {i['title']} ({i['list']}, {i['id']})" for i in items["added"]]
    lines += [f"  - {i['title']} ({i['list']}, {i['id']})" for i in items["removed"]]
    lines += [f"  ~ {i['title']} ({i['id']}): {', '.join(i['fields'])}" for i in items["changed"]]
    return lines


@store_ready()
@click.command("restore")
@click.argument("channel_id")
@click.argument("publish_id", type=int)
@as_json
def restore_command(channel_id: str, publish_id: int, json_out: bool) -> None:
    """Serve an earlier publish again; the channel is held until released."""
    current = backend()
    with current.Session() as session:
        _channel(session, channel_id)
        _publish(session, channel_id, publish_id)
        again = restore(session, current.snapshots, channel_id, publish_id, "cli", current.settings.retention())
        audit.record(session, channel_id, "cli", "restore", f"publish {publish_id}", publish=again.id)
        session.commit()
        document = {"restored": publish_id, "publish": again.id, "etags": again.files,
                    "back_on_air": off_air_now(session, again)}
    lines = [f"publish {publish_id} is live again (as publish {again.id}); "
             f"{channel_id} is held: `channel release {channel_id}` to publish again"]
    lines += [f"  warning: {item['id']} ({item['title']}) is on the air again, though {item['why']}"
              for item in document["back_on_air"]]
    _emit(document, json_out, lines)


@store_ready()
@click.command("release")
@click.argument("channel_id")
@as_json
def release_command(channel_id: str, json_out: bool) -> None:
    """Lift the hold and publish the channel as it is now."""
    current = backend()
    with current.Session() as session:
        _channel(session, channel_id)
        try:
            report = release(session, current.snapshots, channel_id, current.settings.retention())
        except PublishError as exc:
            raise click.ClickException(f"released, but the channel could not be published: {exc}") from exc
        audit.record(session, channel_id, "cli", "release")
        session.commit()
    _emit({"released": True, "report": report.to_dict()}, json_out,
          [f"released {channel_id}; published {report.items} items ({_listed(report.sizes, ' bytes')})"])


@store_ready()
@click.command("report")
@click.argument("channel_id")
@as_json
def report_command(channel_id: str, json_out: bool) -> None:
    """What the live publish left out and why, artwork that fell back, media problems."""
    with backend().Session() as session:
        _channel(session, channel_id)
        live_id = history.live_publish_id(session, channel_id)
        if live_id is None:
            raise click.ClickException(f"channel {channel_id!r} has not been published")
        report = history.find(session, channel_id, live_id).report or {}
    lines = [f"publish {live_id}: {report.get('items', 0)} items; carried: {_listed(report.get('carried', {}))}"]
    lines += [f"  left out {entry['id']}: {entry['reason']}" for entry in report.get("left_out", [])]
    lines += [f"  {name} not published: {why}" for name, why in report.get("not_published", {}).items()]
    lines += media_lines(report)
    _emit({"publish": live_id, **report}, json_out, lines)


def _listed(counts: dict[str, int], unit: str = "") -> str:
    """``{"roku.json": 3, "mrss.xml": 2}`` as ``mrss.xml 2, roku.json 3``."""
    return ", ".join(f"{name} {count}{unit}" for name, count in sorted(counts.items())) or "nothing"


def media_lines(report: dict) -> list[str]:
    """Artwork that fell back, renditions that failed their checks, and warnings."""
    lines = [f"  artwork {entry['id']}: {entry['reason']}" for entry in report.get("artwork_fallbacks", [])]
    lines += [f"  media {entry['id']}: {entry['url']}: {entry['problem']}"
              for entry in report.get("media_problems", [])]
    return lines + [f"  warning: {warning}" for warning in report.get("warnings", [])]


COMMANDS = (publishes_command, diff_command, restore_command, release_command, report_command)
