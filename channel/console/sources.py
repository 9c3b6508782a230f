"""A source: its settings (to edit through the API's PATCH), the last fetch and its
run history, newest first, with each error as the run recorded it."""
from __future__ import annotations

from flask import abort, render_template, request

from channel.console import bp
from channel.context import backend, get_or_404
from feeds.store import sources as ops
from feeds.store.tables import SOURCE_KINDS, Source

RUNS_SHOWN = 25


@bp.get("/sources/<int:source_id>")
def source(source_id: int):
    before = request.args.get("before", "")
    if before and not (before.isascii() and before.isdigit()):
        abort(400, "before must be a run id")
    with backend().Session() as session:
        found = get_or_404(session, Source, source_id, "source")
        runs = ops.recent_runs(session, source_id, RUNS_SHOWN, int(before) if before else None)
        return render_template(
            "console/source.html", source=ops.source_document(found), kinds=SOURCE_KINDS,
            fetch={"etag": found.etag, "last_modified": found.last_modified},
            runs=[ops.run_document(run) for run in runs],
            older=runs[-1].id if len(runs) == RUNS_SHOWN else None)
