"""Access to the process's backend from inside a request or CLI command."""
from __future__ import annotations

from flask import current_app

from feeds.backend import Backend


def backend() -> Backend:
    return current_app.extensions["backend"]
