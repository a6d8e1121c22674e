"""The token validator with real PyJWT-minted tokens: keys, algorithms, claims, deny list."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from common.errors import Forbidden
from common.errors import NotFound
from common.errors import Unauthorized
from common.tokens import TokenConfigError
from common.tokens import TokenValidator
from common.tokens import mint_token
from common.tokens.validator import REQUIRED_CLAIMS
from tests.common.test_tokens_helpers import ALL_ALGORITHMS
from tests.common.test_tokens_helpers import ISSUER
from tests.common.test_tokens_helpers import SECRET
from tests.common.test_tokens_helpers import alg_none
from tests.common.test_tokens_helpers import hs256_with_secret
from tests.common.test_tokens_helpers import make_settings
from tests.common.test_tokens_helpers import payload
from tests.common.test_tokens_helpers import private_key
from tests.common.test_tokens_helpers import public_pem
from tests.common.test_tokens_helpers import raw_token
from tests.common.test_tokens_helpers import sign
from tests.common.test_tokens_helpers import write_public_key


@pytest.fixture
def keys(tmp_path):
    """One private key per asymmetric algorithm, with its public PEM file (kid = alg name)."""
    made = {}
    for algorithm in ("RS256", "ES256", "EdDSA"):
        key = private_key(algorithm)
        made[algorithm] = (key, write_public_key(tmp_path, algorithm.lower(), key))
    return made


@pytest.fixture
def validator(tmp_path, keys):
    """A validator accepting all four algorithms (HS256 secret + three PEM files)."""
    (tmp_path / "denylist.txt").write_text("")  # a missing deny list refuses every token
    settings = make_settings(
        tmp_path,
        token_algorithms=ALL_ALGORITHMS,
        token_public_keys=tuple(str(path) for _, path in keys.values()),
        token_denylist_file=tmp_path / "denylist.txt",
    )
    return TokenValidator.from_settings(settings)


def _code(validator, token, audience="api") -> str:
    with pytest.raises(Unauthorized) as caught:
        validator.validate(token, audience=audience)
    if len(token) >= 4:
        assert token not in caught.value.message and token not in str(caught.value.to_json())
    return caught.value.code


@pytest.mark.parametrize("algorithm", ALL_ALGORITHMS)
def test_each_algorithm_validates(validator, keys, algorithm):
    key = SECRET if algorithm == "HS256" else keys[algorithm][0]
    claims = validator.validate(sign(payload(sub="svc-1"), key, algorithm), audience="api")
    assert claims.subject == "svc-1"
    assert claims.covers("private") and not claims.covers("other")


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_kid_picks_the_named_key_and_no_kid_tries_each(validator, keys, algorithm):
    key = keys[algorithm][0]
    assert validator.validate(
        sign(payload(), key, algorithm, kid=algorithm.lower()), audience="api"
    )
    assert validator.validate(sign(payload(), key, algorithm), audience="api")


def test_signature_by_another_key_is_invalid(validator):
    stranger = private_key("RS256")
    assert _code(validator, sign(payload(), stranger, "RS256")) == "token_invalid"
    assert _code(validator, sign(payload(), "another-secret-" + "y" * 24)) == "token_invalid"


def test_list_audience_is_accepted_for_each_member(validator):
    token = sign(payload(aud=["badges", "sbom"]))
    assert validator.validate(token, audience="badges").audience == ("badges", "sbom")
    assert validator.validate(token, audience="sbom")
    assert _code(validator, token, audience="api") == "token_wrong_audience"


@pytest.mark.parametrize("alg", ["none", "None", "NONE", ""])
def test_alg_none_is_rejected(validator, alg):
    token = raw_token({"alg": alg, "typ": "JWT"}, payload())
    assert _code(validator, token) in ("token_invalid", "token_malformed")
    assert _code(validator, alg_none(payload())) == "token_invalid"


def test_key_confusion_hs256_signed_with_rsa_public_key(validator, keys):
    pem = keys["RS256"][1].read_bytes()
    assert _code(validator, hs256_with_secret(payload(), pem)) == "token_invalid"
    assert _code(validator, hs256_with_secret(payload(), pem, kid="rs256")) == "token_invalid"


def test_key_confusion_when_hs256_is_not_allowed(tmp_path, keys):
    key, path = keys["RS256"]
    settings = make_settings(tmp_path, token_algorithms=("RS256",), token_public_keys=(str(path),))
    validator = TokenValidator.from_settings(settings)
    assert validator.validate(sign(payload(), key, "RS256"), audience="api")
    assert _code(validator, hs256_with_secret(payload(), public_pem(key))) == "token_invalid"
    assert _code(validator, sign(payload())) == "token_invalid"  # HS256 with the real secret


def test_algorithm_family_is_bound_to_the_key(validator, keys):
    """An ES256 token claiming to be RS256 (or EdDSA claiming ES256) never verifies."""
    es_token = sign(payload(), keys["ES256"][0], "ES256")
    header, body, signature = es_token.split(".")
    forged = raw_token({"alg": "RS256", "typ": "JWT"}, payload()).rsplit(".", 1)[0]
    assert _code(validator, f"{forged}.{signature}") == "token_invalid"
    assert header and body


def test_expired_and_leeway(validator):
    now = int(time.time())
    assert _code(validator, sign(payload(iat=now - 900, exp=now - 120))) == "token_expired"
    # within the 30 s leeway
    assert validator.validate(sign(payload(iat=now - 900, exp=now - 10)), audience="api")


@pytest.mark.parametrize("claim", ["iat", "nbf"])
def test_not_yet_valid(validator, claim):
    now = int(time.time())
    token = sign(payload(**{claim: now + 3600, "exp": now + 7200}))
    assert _code(validator, token) == "token_not_yet_valid"


def test_wrong_issuer_and_audience(validator):
    assert _code(validator, sign(payload(iss="someone-else"))) == "token_wrong_issuer"
    assert _code(validator, sign(payload(aud="badges"))) == "token_wrong_audience"
    assert _code(validator, sign(payload(aud="elsewhere"))) == "token_wrong_audience"


@pytest.mark.parametrize("claim", REQUIRED_CLAIMS)
def test_every_required_claim_is_required(validator, claim):
    assert _code(validator, sign(payload(**{claim: None}))) == "token_missing_claim"


@pytest.mark.parametrize(
    ("claims", "code"),
    [
        ({"sub": 42}, "token_invalid"),
        ({"jti": ""}, "token_invalid"),
        ({"scope": ["channel:private"]}, "token_invalid"),
        ({"exp": "tomorrow"}, "token_malformed"),
    ],
)
def test_claims_of_the_wrong_type(validator, claims, code):
    assert _code(validator, sign(payload(**claims))) == code


def test_oversized_token_is_rejected_without_parsing(validator, monkeypatch):
    def explode(*args, **kwargs):
        raise AssertionError("an oversized token must not be parsed")

    monkeypatch.setattr(jwt, "get_unverified_header", explode)
    monkeypatch.setattr(jwt, "decode", explode)
    huge = "eyJ" + "A" * 20_000 + ".e30.sig"
    assert _code(validator, huge) == "token_too_large"


def test_token_at_the_limit_is_parsed(tmp_path):
    validator = TokenValidator.from_settings(make_settings(tmp_path, token_max_length=400))
    token = sign(payload())
    assert len(token) <= 400 and validator.validate(token, audience="api")
    padded = sign(payload(pad="x" * 400))
    assert _code(validator, padded) == "token_too_large"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!!.???.###",
        "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln",  # payload is not JSON
        "bm90IGpzb24.e30.c2ln",  # header is not JSON
        "ey\u00e9.e30.c2ln",
        "eyJhbGciOiJIUzI1NiJ9.e30.c2ln\n",
    ],
)
def test_malformed_tokens(validator, token):
    assert _code(validator, token) in ("token_malformed", "token_invalid")


def test_truncated_tokens(validator):
    token = sign(payload())
    for cut in (5, len(token) // 3, len(token) // 2, len(token) - 3):
        assert _code(validator, token[:cut]) in ("token_malformed", "token_invalid")


def test_revoked_jti_in_file_takes_effect_without_restart(validator, tmp_path):
    token = sign(payload(jti="revoke-me"))
    assert validator.validate(token, audience="api")
    (tmp_path / "denylist.txt").write_text(
        "# revoked tokens\nsomething-else\nrevoke-me  # leaked\n"
    )
    assert _code(validator, token) == "token_revoked"
    assert validator.validate(sign(payload(jti="fine")), audience="api")


def test_authorize_outcomes(validator):
    token = sign(payload(scope="channel:private channel:other/label:dev"))
    assert validator.authorize(token, audience="api", channel="private").subject == "svc-test"
    assert validator.authorize(token, audience="api", channel="private", subchannel="beta")
    assert validator.authorize(token, audience="api", channel="other", subchannel="dev")
    with pytest.raises(Forbidden) as caught:
        validator.authorize(token, audience="api", channel="other")
    assert caught.value.code == "insufficient_scope" and caught.value.status == 403
    with pytest.raises(Forbidden):
        validator.authorize(token, audience="api", channel="other", subchannel="main")
    with pytest.raises(NotFound) as missing:
        validator.authorize(None, audience="api", channel="private")
    assert missing.value.code == "channel_not_found"
    assert missing.value.message == "channel 'private' not found"


def test_a_token_for_channel_a_does_not_open_channel_b(validator):
    token = sign(payload(scope="channel:other"))
    with pytest.raises(Forbidden):
        validator.authorize(token, audience="api", channel="private")


def test_minted_tokens_carry_every_required_claim(validator):
    token = mint_token(
        key=SECRET,
        algorithm="HS256",
        issuer=ISSUER,
        subject="ci",
        audience=["badges"],
        grants=[("private", None), ("other", "dev")],
        ttl=60,
    )
    decoded = jwt.decode(token, SECRET, algorithms=["HS256"], audience="badges")
    assert set(REQUIRED_CLAIMS) <= set(decoded)
    assert decoded["scope"] == "channel:other/label:dev channel:private"
    assert decoded["exp"] - decoded["iat"] == 60
    assert validator.validate(token, audience="badges").covers("other", "dev")


@pytest.mark.parametrize(
    "overrides",
    [
        {"token_algorithms": ("HS512",)},
        {"token_algorithms": ("none",)},
        {"token_hs256_secret": "-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----"},
        {"token_algorithms": ("HS256",), "token_public_keys": ("/nonexistent/key.pem",)},
    ],
)
def test_unusable_configuration_fails_at_startup(tmp_path, overrides):
    with pytest.raises(TokenConfigError):
        TokenValidator.from_settings(make_settings(tmp_path, **overrides))


def test_public_key_for_an_algorithm_not_allowed_fails_at_startup(tmp_path, keys):
    path = keys["ES256"][1]
    settings = make_settings(tmp_path, token_algorithms=("RS256",), token_public_keys=(str(path),))
    with pytest.raises(TokenConfigError):
        TokenValidator.from_settings(settings)


def test_short_rsa_keys_are_refused(tmp_path):
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - on purpose
    path = write_public_key(tmp_path, "weak", weak)
    settings = make_settings(tmp_path, token_algorithms=("RS256",), token_public_keys=(str(path),))
    with pytest.raises(TokenConfigError):
        TokenValidator.from_settings(settings)


def test_no_key_rejects_everything(tmp_path):
    validator = TokenValidator.from_settings(make_settings(tmp_path, token_hs256_secret=""))
    assert _code(validator, sign(payload())) == "token_invalid"
