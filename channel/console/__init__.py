"""The ops console at ``/admin/``: server-rendered pages for the people who run the
channel.

Pages read the store through the same document builders the admin API answers
with. Every action (add, change, remove, refresh, publish, restore, release, hide,
pin, rows) is the browser calling an admin API route with ``fetch``
(``static/console/console.js``), signed in by the console's session cookie and
carrying its CSRF token: the console has no write path of its own, so nothing the
API refuses can get through it, and its field errors are the API's."""
from __future__ import annotations

import logging
import os
import secrets

from flask import Blueprint, Flask, Response, current_app, g, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from channel.console.format import HELPERS
from channel.console.session import LIFETIME, ConsoleSessionInterface, signed_in_actor

bp = Blueprint("console", __name__, url_prefix="/admin")
log = logging.getLogger("channel.console")
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
OPEN = {"console.sign_in"}
WRONG_TOKEN_DELAY = 1.0
POLICY = ("default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; "
          "img-src 'self' http: https:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


@bp.record_once
def _configure(state) -> None:
    configure(state.app)


def configure(app: Flask) -> None:
    """Sessions and CSRF for the console. Without ``SECRET_KEY`` the embedded mode
    makes a key for this process (its sessions end when it stops); a deployment with
    Redis runs several processes that must share one, so its console stays off."""
    settings = app.config["SETTINGS"]
    secret = os.environ.get("SECRET_KEY") or app.config.get("SECRET_KEY")
    if not secret and settings.embedded:
        secret = secrets.token_hex(32)
        log.info("SECRET_KEY is not set: console sessions are signed with a key made for this "
                 "process and end when it stops")
    elif not secret:
        log.warning("SECRET_KEY is not set: the ops console is off (the feeds and the API are not)")
    app.secret_key = secret
    app.config.update(
        SESSION_COOKIE_NAME="channel_console", SESSION_COOKIE_PATH="/admin",
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=LIFETIME, WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=int(LIFETIME.total_seconds()))
    app.config.setdefault("CONSOLE_WRONG_TOKEN_DELAY", WRONG_TOKEN_DELAY)
    app.session_interface = ConsoleSessionInterface()
    CSRFProtect(app)


@bp.before_request
def guard():
    """Off without a token or a key; CSRF on every change; signed in for every page
    but the sign-in form."""
    if not current_app.config["SETTINGS"].named_tokens():
        return page_error(401, "The console is off: set CHANNEL_ADMIN_TOKEN (or "
                               "CHANNEL_ADMIN_TOKENS) to turn it on.")
    if not current_app.secret_key:
        return page_error(503, "The console is off: set SECRET_KEY, the same on every web process.")
    if request.method in UNSAFE:
        current_app.extensions["csrf"].protect()
    if request.endpoint in OPEN:
        return None
    g.actor = signed_in_actor(current_app.config["SETTINGS"].named_tokens())
    if g.actor is None:
        if request.method in UNSAFE:
            return page_error(401, "Your session has ended: sign in again.")
        return redirect(url_for("console.sign_in", next=request.full_path.rstrip("?")), 303)
    return None


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    if isinstance(exc, CSRFError):
        return page_error(400, f"This form has expired or did not come from this console ({exc.description}): "
                               "reload the page and try again.")
    return page_error(exc.code or 500, exc.description or exc.name)


def page_error(status: int, message: str) -> tuple[str, int]:
    return render_template("console/error.html", status=status, message=message), status


@bp.after_request
def headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.context_processor
def helpers() -> dict:
    return {**HELPERS, "actor": g.get("actor")}


from channel.console import channels, imports, items, publishes, signin, sources  # noqa: F401
