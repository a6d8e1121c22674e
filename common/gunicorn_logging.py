"""A gunicorn logger that keeps tokens out of the access and error logs.

Use it with `logger_class = "common.gunicorn_logging.RedactingLogger"` in the gunicorn config.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from common.tokens.redaction import REDACTED
from common.tokens.redaction import RedactionFilter
from common.tokens.redaction import redact

_SECRET_HEADERS = ("{authorization}i", "{cookie}i", "{x-internal-key}i", "{proxy-authorization}i")


class RedactingLogger(Logger):
    """gunicorn's logger with token query values, /t/ segments and credentials redacted."""

    def setup(self, cfg) -> None:
        """Set up gunicorn's handlers, then filter both logs through the redaction."""
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactionFilter) for f in log.filters):
                log.addFilter(RedactionFilter())

    def atoms(self, resp, req, environ, request_time) -> dict:
        """The access log atoms, with every string value redacted."""
        atoms = super().atoms(resp, req, environ, request_time)
        for name, value in list(atoms.items()):
            if name.lower() in _SECRET_HEADERS:
                atoms[name] = REDACTED
            elif isinstance(value, str):
                atoms[name] = redact(value)
        return atoms
