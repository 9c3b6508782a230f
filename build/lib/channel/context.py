"""Access to the process's backend from inside a request or CLI command."""
from __future__ import annotations

from flask import abort, current_app

from feeds.backend import Backend


def backend() -> Backend:
    return current_app.extensions["backend"]


def get_or_404(session, model, key, what: str):
    """The row of ``model`` with primary key ``key``, or a JSON 404 naming it."""
    found = session.get(model, key)
    if found is None:
        abort(404, f"no {what} {key!r}")
    return found
