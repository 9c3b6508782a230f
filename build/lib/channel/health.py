"""Liveness and readiness."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from channel.context import backend

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    current = backend()
    checks = {"store": _store_ok(current), "cache": current.snapshots.ping()}
    ready = all(checks.values())
    return jsonify({"ready": ready, "checks": checks}), 200 if ready else 503


def _store_ok(current) -> bool:
    try:
        with current.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False
