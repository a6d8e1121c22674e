"""Finding 13b: `exp`/`iat` given as numeric strings were accepted, though docs/tokens.md says
wrong claim types are refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest

from common.errors import Unauthorized
from common.tokens import TokenValidator
from tests.conftest import mint
from tests.processes import TEST_ISSUER
from tests.processes import TEST_SECRET
from tests.security.conftest import token_validator

NOW = int(time.time())


@pytest.fixture
def validator(tmp_path) -> TokenValidator:
    return token_validator(tmp_path)


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": str(NOW + 600)},
        {"iat": str(NOW)},
        {"nbf": str(NOW)},
        {"exp": float("nan")},
        {"exp": True},
        {"iss": [TEST_ISSUER]},
        {"aud": ["api", 7]},
        {"sub": 12},
        {"jti": ["a"]},
        {"scope": ["channel:private"]},
    ],
    ids=lambda c: f"{next(iter(c))}-{type(next(iter(c.values()))).__name__}",
)
def test_claims_of_the_wrong_type_are_refused(validator, claims):
    with pytest.raises(Unauthorized):
        validator.validate(_signed(claims), audience="api")


def _signed(claims: dict) -> str:
    """An HS256 token with the test secret, encoded by hand: PyJWT refuses to encode some of
    these claims, and an attacker's encoder does not."""
    payload = {**jwt.decode(mint("private"), options={"verify_signature": False}), **claims}

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = part(json.dumps(payload).encode())
    mac = hmac.new(TEST_SECRET.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{part(mac)}"


def test_claims_of_the_right_type_pass(validator):
    assert validator.validate(mint("private", nbf=NOW - 5), audience="api").jti
