"""Finding 8: revocation failed open when TOKEN_DENYLIST_FILE named a missing file."""

from __future__ import annotations

import logging

import pytest

from common.errors import UpstreamError
from common.tokens import Denylist
from tests.conftest import mint
from tests.security.conftest import token_validator


def test_a_missing_deny_list_file_refuses_tokens_with_503(tmp_path, caplog):
    validator = token_validator(tmp_path, token_denylist_file=tmp_path / "nope" / "revoked.txt")
    with caplog.at_level(logging.ERROR), pytest.raises(UpstreamError) as caught:
        validator.validate(mint("private"), audience="api")
    assert caught.value.status == 503 and caught.value.code == "token_denylist_unavailable"
    assert any(
        "revoked.txt" in r.getMessage() and "missing" in r.getMessage() for r in caplog.records
    )


def test_a_missing_file_is_allowed_when_the_settings_say_it_is_optional(tmp_path):
    validator = token_validator(
        tmp_path, token_denylist_file=tmp_path / "revoked.txt", token_denylist_optional=True
    )
    assert validator.validate(mint("private"), audience="api").subject == "test-service-account"


def test_the_file_appearing_later_is_read(tmp_path):
    path = tmp_path / "revoked.txt"
    denylist = Denylist(path, optional=True)
    assert not denylist.is_revoked("abc")
    path.write_text("abc\n")
    assert denylist.is_revoked("abc")
