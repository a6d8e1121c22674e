"""A bare Flask app serving one SVG file: the baseline the badges benchmark compares against."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from flask import send_file

app = Flask(__name__)
SVG = Path(os.environ.get("BENCH_STATIC_SVG", "badge.svg"))


@app.get("/healthz")
def healthz():
    """Alive."""
    return {"status": "ok"}


@app.get("/badge.svg")
def badge():
    """The same SVG bytes the badges service renders, as a static file (with ETag)."""
    return send_file(SVG, mimetype="image/svg+xml", max_age=300)
