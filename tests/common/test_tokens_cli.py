"""`conda-badges-token`: minted tokens validate; TTL parsing; revocation."""

from __future__ import annotations

import argparse

import jwt
import pytest

from common import token_cli
from common.settings import Settings
from common.tokens import TokenValidator
from common.tokens import resolve_secrets
from common.tokens.denylist import read_denylist_file
from tests.common.test_tokens_helpers import SECRET
from tests.common.test_tokens_helpers import make_settings
from tests.common.test_tokens_helpers import private_key
from tests.common.test_tokens_helpers import private_pem
from tests.common.test_tokens_helpers import write_public_key


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A clean token environment: state in tmp_path, the test secret and issuer."""
    for name in list(__import__("os").environ):
        if name.startswith("TOKEN_") or name in ("STATE_DIR", "INTERNAL_API_KEY"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("TOKEN_HS256_SECRET", SECRET)
    monkeypatch.setenv("TOKEN_ISSUER", "cli-test")
    monkeypatch.setenv("TOKEN_DENYLIST_FILE", str(tmp_path / "denied.txt"))
    return tmp_path


def _mint(capsys, *argv: str) -> str:
    assert token_cli.main(list(argv)) == 0
    return capsys.readouterr().out.strip()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("3600", 3600), ("90s", 90), ("15m", 900), ("12h", 43200), ("30d", 2592000), ("2w", 1209600)],
)
def test_parse_ttl(text, seconds):
    assert token_cli.parse_ttl(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "-5", "12x", "1.5h", "h"])
def test_parse_ttl_rejects(text):
    with pytest.raises(argparse.ArgumentTypeError):
        token_cli.parse_ttl(text)


def test_minted_token_validates_with_the_configured_secret(env, capsys):
    token = _mint(capsys, "--channel", "private", "--channel", "other/label:dev", "--ttl", "12h")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="api", issuer="cli-test")
    assert claims["aud"] == ["badges", "sbom", "api"]
    assert claims["exp"] - claims["iat"] == 12 * 3600
    assert claims["scope"] == "channel:other/label:dev channel:private"
    validator = TokenValidator.from_settings(
        make_settings(env, token_issuer="cli-test", token_hs256_secret=SECRET)
    )
    for audience in ("badges", "sbom", "api"):
        assert validator.authorize(token, audience=audience, channel="private")


def test_narrow_audience_and_subject(env, capsys):
    token = _mint(capsys, "--channel", "private", "--audience", "badges", "--subject", "readme")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="badges")
    assert claims["aud"] == "badges" and claims["sub"] == "readme"


def test_dev_secret_is_used_when_nothing_is_configured(env, capsys, monkeypatch):
    monkeypatch.delenv("TOKEN_HS256_SECRET")
    token = _mint(capsys, "--channel", "private")
    settings = resolve_secrets(Settings.from_env(with_channels=False))
    assert (env / "state" / "dev-token-secret").exists()
    assert jwt.decode(token, settings.token_hs256_secret, algorithms=["HS256"], audience="sbom")[
        "sub"
    ]


def test_private_key_signing(env, capsys):
    key = private_key("EdDSA")
    key_file = env / "signer.pem"
    key_file.write_bytes(private_pem(key))
    (env / "public").mkdir()
    public = write_public_key(env / "public", "signer", key)
    token = _mint(capsys, "--channel", "private", "--private-key", str(key_file))
    assert jwt.get_unverified_header(token)["kid"] == "signer"
    validator = TokenValidator.from_settings(
        make_settings(
            env,
            token_issuer="cli-test",
            token_algorithms=("EdDSA",),
            token_public_keys=(str(public),),
        )
    )
    assert validator.authorize(token, audience="api", channel="private")


def test_bad_channel_and_missing_channel_exit(env, capsys):
    with pytest.raises(SystemExit):
        token_cli.main(["--channel", "no/such/thing"])
    with pytest.raises(SystemExit):
        token_cli.main([])
    assert capsys.readouterr().out == ""


def test_revoke_appends_to_the_deny_list(env, capsys):
    assert token_cli.main(["--revoke", "abc123"]) == 0
    assert read_denylist_file(env / "denied.txt") == {"abc123"}
