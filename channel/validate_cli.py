"""``channel validate [--media] PATH_OR_URL``: check a feed file or URL, one line per
problem, exit 1 when there is any.

With ``--media``, after the schema check, every thumbnail and video of a Roku feed (and
every image of a Roku Search feed) is fetched, each URL once, a few at a time, and each
is reported on a line: what it is, or each of its problems. Private addresses are
allowed, as for the feed itself: the person running the command chose what to fetch.
The web validator (``POST /tools/validate``) fetches nothing."""
from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import click
import orjson
from tqdm import tqdm

from feeds.errors import FeedError
from feeds.formats.validate import MediaRef, feed_media, format_problems, search_feed_media
from feeds.formats.validate_kind import NAMES, ROKU, SEARCH, validate_any
from feeds.ingest.fetch import fetch
from feeds.ingest.media_probe import Probe, probe_image, probe_video

WORKERS = 8
PROGRESS_FROM = 10
"""A progress bar (on stderr) from this many URLs on."""
MEDIA_OF: dict[str, Callable[[object], list[MediaRef]]] = {ROKU: feed_media, SEARCH: search_feed_media}

_Key = tuple[str, str, str]


@click.command("validate")
@click.argument("path_or_url")
@click.option("--media", is_flag=True,
              help="Also fetch each thumbnail and video the feed points at and check it as Roku takes it.")
def validate_command(path_or_url: str, media: bool) -> None:
    """Check a feed (a Roku JSON feed, a Roku Search feed or another kind the validator knows): one line
    per problem, exit 1 when there is any."""
    data = read_source(path_or_url)
    kind, problems = validate_any(data)
    if problems:
        click.echo(format_problems(problems))
    else:
        click.echo(f"{path_or_url}: valid {NAMES.get(kind, kind)}")
    failed = bool(problems)
    if media:
        failed = not report_media(data, kind) or failed
    if failed:
        sys.exit(1)


def read_source(path_or_url: str) -> bytes:
    """The feed at a URL (private addresses allowed) or in a file; a ClickException saying why not."""
    if path_or_url.startswith(("http://", "https://")):
        try:
            return fetch(path_or_url, allow_private=True).body
        except FeedError as exc:
            raise click.ClickException(exc.message) from exc
    try:
        return Path(path_or_url).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {path_or_url}: {exc.strerror}") from exc


def report_media(data: bytes, kind: str) -> bool:
    """Fetch and check the feed's media, print a line for each URL (one per problem) and
    a summary; whether every one is fine."""
    if kind not in MEDIA_OF:
        click.echo(f"media: not checked; --media checks Roku feeds and Roku Search feeds, "
                   f"not a {NAMES.get(kind, kind)}")
        return True
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        click.echo("media: not checked; the feed is not JSON")
        return False
    places: dict[_Key, list[MediaRef]] = {}
    for ref in MEDIA_OF[kind](doc):
        places.setdefault((ref.kind, ref.url, ref.video_type), []).append(ref)
    if not places:
        click.echo("media: the feed points at no image or video")
        return True
    probes = _probe_all(list(places))
    for key, refs in places.items():
        for line in _lines(refs, probes[key]):
            click.echo(line)
    click.echo(_summary(places, probes))
    return all(probe.ok for probe in probes.values())


def _probe_all(keys: list[_Key]) -> dict[_Key, Probe]:
    """Each URL probed once, ``WORKERS`` at a time, with a progress bar when there are many."""
    probes: dict[_Key, Probe] = {}
    with ThreadPoolExecutor(max_workers=WORKERS) as pool, \
            tqdm(total=len(keys), desc="checking media", unit="URL", file=sys.stderr,
                 disable=len(keys) < PROGRESS_FROM) as bar:
        jobs = {pool.submit(_probe, *key): key for key in keys}
        for job in as_completed(jobs):
            probes[jobs[job]] = job.result()
            bar.update()
    return probes


def _probe(kind: str, url: str, video_type: str) -> Probe:
    try:
        if kind == "image":
            return probe_image(url, allow_private=True)
        return probe_video(url, video_type, allow_private=True)
    except Exception as exc:  # one URL's surprise must not lose the others' answers
        return Probe(url, "", (f"could not be checked: {type(exc).__name__}: {exc}",))


def _lines(refs: list[MediaRef], probe: Probe) -> list[str]:
    where = refs[0].path + (f" (and {len(refs) - 1} more)" if len(refs) > 1 else "")
    if probe.ok:
        return [f"{where}: {probe.url}: ok: {probe.found}"]
    return [f"{where}: {probe.url}: {problem}" for problem in probe.problems]


def _summary(places: dict[_Key, list[MediaRef]], probes: dict[_Key, Probe]) -> str:
    images = sum(1 for kind, _, _ in places if kind == "image")
    bad = sum(1 for probe in probes.values() if not probe.ok)
    kinds = f"{_count(images, 'image')}, {_count(len(places) - images, 'video')}"
    verdict = f"{bad} with problems, {len(places) - bad} ok" if bad else "all ok"
    return f"media: {_count(len(places), 'URL')} checked ({kinds}): {verdict}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' * (number != 1)}"
