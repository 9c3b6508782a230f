"""The web tier: a Flask app serving published snapshots, the companion API, the
admin API and the developer tools."""
from __future__ import annotations

import sys

from flask import Flask

from channel.fastpath import FeedFastPath
from channel.inputs import MAX_BODY
from feeds.backend import Backend
from feeds.logs import configure_logging
from feeds.settings import Settings
from feeds.store.migrate import SchemaOutOfDate

# gunicorn stops, rather than starting the worker again, when one exits with this.
BOOT_ERROR = 3


def create_app(settings: Settings | None = None, *, run_tasks: bool = False,
               prepare: bool = True) -> Flask:
    """The app factory. ``run_tasks`` starts the embedded refresh thread (``serve``
    does that itself in the embedded mode; tests and gunicorn leave it off).

    A web process checks the store's schema and stops, saying which command to run,
    when it is behind; it never changes it. The CLI passes ``prepare=False``: each
    command checks or upgrades for itself."""
    from channel import (
        admin,
        api,
        console,
        docs,
        editorial,
        errors,
        health,
        media,
        metrics,
        preview,
        public,
        publishes,
        tools,
        webhooks,
        websub,
        websub_admin,
    )
    from channel.cli import register

    settings = settings or Settings.from_env()
    configure_logging()
    app = Flask(__name__)
    app.config["SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.extensions["backend"] = Backend.from_settings(settings)
    if prepare:
        try:
            app.extensions["backend"].prepare()
        except SchemaOutOfDate as exc:
            sys.stderr.write(f"channel: {exc}\n")
            raise SystemExit(BOOT_ERROR) from None
    errors.init_app(app)
    for module in (public, api, admin, publishes, editorial, webhooks, websub, websub_admin, console,
                   health, media, metrics, tools, preview, docs):
        app.register_blueprint(module.bp)
    register(app)
    app.wsgi_app = FeedFastPath(app.wsgi_app, app.extensions["backend"].snapshots)
    if run_tasks:
        from workers.embedded import start

        start(app.extensions["backend"])
    return app
