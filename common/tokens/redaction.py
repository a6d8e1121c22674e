"""Keeping tokens out of logs: redaction of log text, as a filter and a record factory."""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

_PATTERNS = [
    # ?token=... / &token=... (also URL-encoded `=`), up to the next separator
    (re.compile(r"([?&;]token(?:=|%3[dD]))[^&;\s\"']*"), r"\1" + REDACTED),
    # the /t/<token>/ path prefix
    (re.compile(r"(/t/)[^/\s?\"']+"), r"\1" + REDACTED),
    # Authorization: Bearer ... (and bare "Bearer xyz")
    (re.compile(r"(?i)(bearer\s+)[^\s\"',]+"), r"\1" + REDACTED),
    # anything shaped like a JWT: three base64url segments (header.payload.signature), the
    # dots plain or %-escaped (a query value); a JSON header always encodes to `eyJ...`; other
    # long three-part runs are redacted too
    (re.compile(r"eyJ[A-Za-z0-9_-]{4,}(?:(?:\.|%2[eE])[A-Za-z0-9_-]*){0,2}"), REDACTED),
    (
        re.compile(
            r"[A-Za-z0-9_-]{16,}(?:\.|%2[eE])[A-Za-z0-9_-]{16,}(?:\.|%2[eE])[A-Za-z0-9_-]{16,}"
        ),
        REDACTED,
    ),
]


def redact(text: str) -> str:
    """`text` with token query values, /t/ segments, bearer values and JWTs replaced."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactionFilter(logging.Filter):
    """A logging filter that rewrites each record's message (and traceback) with `redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drops it."""
        redact_record(record)
        return True


def redact_record(record: logging.LogRecord) -> None:
    """Replace the record's message (merging in its args) and exception text if they leak."""
    if getattr(record, "_tokens_redacted", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: keep what we can show
        message = f"{record.msg!r} {record.args!r}"
    cleaned = redact(message)
    if cleaned != message:  # leave clean records (and their args) exactly as they were
        record.msg, record.args = cleaned, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record._tokens_redacted = True


_installed = False


def install_log_redaction() -> None:
    """Redact every log record of this process, whatever logger or handler it goes through.

    Installs a log record factory (so records are redacted as they are created, before any
    handler, including ones added later) and the filter on the root logger's handlers.
    Calling it again does nothing.
    """
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redact_record(record)
        return record

    logging.setLogRecordFactory(factory)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactionFilter())
    _installed = True
