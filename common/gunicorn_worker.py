"""gunicorn's threaded worker, with its own error pages that never repeat what the client sent.

gunicorn answers a malformed request itself (400/414/431 before the app runs) with a page, and a
log line, that quote the offending line: a malformed `Authorization` line was echoed back, token
and all. This worker answers (and logs) the same status with a fixed message instead.
"""

from __future__ import annotations

from gunicorn.http.errors import ParseException
from gunicorn.workers.gthread import ThreadWorker

WITHHELD = "the request was malformed (details withheld)"


def _withheld(exc: ParseException) -> ParseException:
    """An instance of the same class (gunicorn maps the class to a status) whose text is
    fixed; `req` is kept for the access log."""
    quiet_class = type(f"Quiet{type(exc).__name__}", (type(exc),), {"__str__": lambda _: WITHHELD})
    quiet = quiet_class.__new__(quiet_class)
    quiet.__dict__.update(exc.__dict__)
    quiet.args = ()
    return quiet


class QuietThreadWorker(ThreadWorker):
    """`gthread`, minus the echo of malformed request lines and headers."""

    def handle_error(self, req, client, addr, exc):
        """gunicorn's handling, with the client's bytes taken out of the message."""
        if isinstance(exc, ParseException):
            exc = _withheld(exc)
        return super().handle_error(req, client, addr, exc)
