"""Signing in with an admin token, and out. A wrong token is answered only after a
delay and counted in ``/metrics`` (``channel_console_sign_ins_total``)."""
from __future__ import annotations

import hmac
import time

from flask import current_app, redirect, render_template, request, url_for

from channel.console import bp
from channel.console.session import sign_in as start_session
from channel.console.session import sign_out as end_session
from channel.console.session import signed_in_actor
from feeds.metrics import CONSOLE_SIGN_INS


def owner(token: str, tokens: dict[str, str]) -> str | None:
    """The name of ``token``, comparing with every configured one in constant time."""
    found = None
    for name, known in tokens.items():
        if hmac.compare_digest(token.encode(), known.encode()):
            found = name
    return found


def safe_next(target: str | None) -> str:
    """Only a page of the console: never another site (``//host``) or the API."""
    if target and target.startswith("/admin/") and not target.startswith("/admin/api/") \
            and "\\" not in target and "//" not in target:
        return target
    return url_for("console.index")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    tokens = current_app.config["SETTINGS"].named_tokens()
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if signed_in_actor(tokens):
            return redirect(target, 303)
        return render_template("console/sign_in.html", next=target,
                               signed_out=request.args.get("signed_out") == "1")
    token = request.form.get("token", "").strip()
    if not token:
        return render_template("console/sign_in.html", next=target, error="Enter an admin token."), 400
    name = owner(token, tokens)
    if name is None:
        time.sleep(current_app.config["CONSOLE_WRONG_TOKEN_DELAY"])
        CONSOLE_SIGN_INS.labels(outcome="wrong_token").inc()
        return render_template("console/sign_in.html", next=target,
                               error="That is not an admin token of this channel."), 401
    start_session(name, token)
    CONSOLE_SIGN_INS.labels(outcome="ok").inc()
    return redirect(target, 303)


@bp.post("/sign-out")
def sign_out():
    end_session()
    return redirect(url_for("console.sign_in", signed_out=1), 303)
