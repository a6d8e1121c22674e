"""Tokens never reach the logs: the redaction, the log filter and the gunicorn logger."""

from __future__ import annotations

import io
import logging
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from common.gunicorn_logging import RedactingLogger
from common.tokens import redact
from common.tokens import redaction
from common.tokens.redaction import RedactionFilter
from tests.common.test_tokens_helpers import payload
from tests.common.test_tokens_helpers import sign

TOKEN = sign(payload())


@pytest.mark.parametrize(
    "text",
    [
        f"GET /private/r-base/badges/version.svg?token={TOKEN} HTTP/1.1",
        f"GET /x?style=flat&token={TOKEN}&label=dev HTTP/1.1",
        f"GET /t/{TOKEN}/private/r-base/badges/version.svg HTTP/1.1",
        f"Authorization: Bearer {TOKEN}",
        f"referer https://example.org/readme?a=1;token={TOKEN}",
        f"a bare token {TOKEN} in a message",
        f"quoted '{TOKEN}' and \"{TOKEN}\"",
        f"GET /x?label=a&session={TOKEN.replace('.', '%2E')} HTTP/1.1",
        f"GET /x?label=a&session={TOKEN.replace('.', '%2e')}&style=flat HTTP/1.1",
    ],
)
def test_redact_removes_every_run_of_the_token(text):
    cleaned = redact(text)
    assert "[redacted]" in cleaned
    for start in range(0, len(TOKEN) - 20):
        assert TOKEN[start : start + 20] not in cleaned


@pytest.mark.parametrize(
    "text",
    ["GET /t/short-garbage/x", "GET /x?token=not-even-a-jwt", "Bearer whatever"],
)
def test_redact_removes_non_jwt_tokens_by_position(text):
    assert redact(text).count("[redacted]") == 1
    assert "garbage" not in redact(text) and "not-even" not in redact(text)
    assert "whatever" not in redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "GET /api/channels/private/artifacts/conda/r-base HTTP/1.1",
        "loaded requests_cache.backends.sqlite for gateway.upstream",
        "sha256 c88ec41a3c40d4d1a9071158f475f0523322151e7726d3b9636b04cb030869cc",
        "version 1.2.11-h7b6447c_3.conda",
    ],
)
def test_redact_leaves_ordinary_text_alone(text):
    assert redact(text) == text


def test_filter_redacts_message_args_and_traceback():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactionFilter())
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("request with %s failed", TOKEN)
        try:
            raise ValueError(f"bad token {TOKEN}")
        except ValueError:
            logger.exception("oops for /t/%s/x", TOKEN)
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert "request with [redacted] failed" in written
    assert "ValueError: bad token [redacted]" in written
    assert TOKEN[:20] not in written and TOKEN[-20:] not in written


def test_install_log_redaction_covers_loggers_and_handlers_made_later(monkeypatch):
    original = logging.getLogRecordFactory()
    monkeypatch.setattr(redaction, "_installed", False)
    try:
        redaction.install_log_redaction()
        redaction.install_log_redaction()  # idempotent
        stream = io.StringIO()
        logger = logging.getLogger("tests.redaction.later")
        logger.addHandler(logging.StreamHandler(stream))
        logger.propagate = False
        logger.error("Authorization: Bearer %s", TOKEN)
        logger.error("clean %s stays %s", "message", "as it was")
        lines = stream.getvalue().splitlines()
        assert lines == ["Authorization: Bearer [redacted]", "clean message stays as it was"]
    finally:
        logging.setLogRecordFactory(original)


def _gunicorn_logger() -> RedactingLogger:
    cfg = Config()
    cfg.set("accesslog", "-")
    return RedactingLogger(cfg)


def test_gunicorn_access_atoms_are_redacted():
    logger = _gunicorn_logger()
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/t/{TOKEN}/private/pkg/badges/version.svg?token={TOKEN}",
        "PATH_INFO": f"/t/{TOKEN}/private/pkg/badges/version.svg",
        "QUERY_STRING": f"token={TOKEN}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://example.org/?token={TOKEN}",
        "REMOTE_ADDR": "127.0.0.1",
    }
    request = SimpleNamespace(
        headers=[("Authorization", f"Bearer {TOKEN}"), ("X-Internal-Key", "internal-secret")]
    )
    response = SimpleNamespace(status="200 OK", headers=[], sent=10)
    duration = SimpleNamespace(seconds=0, microseconds=1500)
    atoms = logger.atoms(response, request, environ, duration)
    flat = " ".join(str(value) for value in atoms.values())
    assert TOKEN[:20] not in flat and TOKEN[-20:] not in flat
    assert "internal-secret" not in flat
    assert atoms["{authorization}i"] == "[redacted]"
    assert (
        atoms["r"] == "GET /t/[redacted]/private/pkg/badges/version.svg?token=[redacted] HTTP/1.1"
    )


def test_gunicorn_error_log_is_filtered(capsys):
    logger = _gunicorn_logger()
    logger.setup(logger.cfg)
    logger.setup(logger.cfg)  # a config reload does not stack filters
    assert sum(isinstance(f, RedactionFilter) for f in logger.error_log.filters) == 1
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.error_log.addHandler(handler)
    try:
        logger.warning("Invalid request from ip=127.0.0.1: GET /t/%s/x", TOKEN)
    finally:
        logger.error_log.removeHandler(handler)
    assert records and TOKEN not in records[0].getMessage()
    assert "/t/[redacted]/x" in records[0].getMessage()
