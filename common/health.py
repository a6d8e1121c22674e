"""`/healthz` (the process is alive) and `/readyz` (it can do its job) for every process."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint
from flask import jsonify

ReadyCheck = Callable[[], tuple[bool, str]]


def health_blueprint(ready_check: ReadyCheck) -> Blueprint:
    """A blueprint with `/healthz` and `/readyz`; `ready_check` says whether we can serve."""
    bp = Blueprint("health", __name__)

    @bp.get("/healthz")
    def healthz():
        """Alive: the process answers."""
        return jsonify({"status": "ok"})

    @bp.get("/readyz")
    def readyz():
        """Ready: what this process depends on answers too."""
        ready, detail = ready_check()
        response = jsonify({"status": "ready" if ready else "not ready", "detail": detail})
        response.status_code = 200 if ready else 503
        response.headers["Cache-Control"] = "no-store"
        return response

    return bp
