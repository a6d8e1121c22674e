"""JWKS keys from a real local HTTP server: rotation without restart, throttled refetches."""

from __future__ import annotations

import http.server
import json
import threading
import uuid

import pytest
from jwt.algorithms import ECAlgorithm
from jwt.algorithms import OKPAlgorithm
from jwt.algorithms import RSAAlgorithm

from common.errors import Unauthorized
from common.errors import UpstreamError
from common.tokens import JwksCache
from common.tokens import TokenValidator
from tests.common.test_tokens_helpers import ALL_ALGORITHMS
from tests.common.test_tokens_helpers import make_settings
from tests.common.test_tokens_helpers import payload
from tests.common.test_tokens_helpers import private_key
from tests.common.test_tokens_helpers import sign

_TO_JWK = {"RS256": RSAAlgorithm, "ES256": ECAlgorithm, "EdDSA": OKPAlgorithm}


def jwk(key, algorithm: str, kid: str) -> dict:
    """The public JWK of a private key, with kid, alg and use."""
    data = _TO_JWK[algorithm].to_jwk(key.public_key(), as_dict=True)
    return {**data, "kid": kid, "alg": algorithm, "use": "sig"}


class JwksServer:
    """A JWKS endpoint on 127.0.0.1 that counts its fetches; `keys` can be swapped any time."""

    def __init__(self):
        self.keys: list[dict] = []
        self.fetches = 0
        self.status = 200
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802 - http.server's naming
                server.fetches += 1
                body = json.dumps({"keys": server.keys}).encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/.well-known/jwks.json"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def jwks_server():
    """A running JWKS server."""
    server = JwksServer()
    yield server
    server.close()


def _validator(tmp_path, server: JwksServer, clock: Clock) -> TokenValidator:
    settings = make_settings(tmp_path, token_algorithms=ALL_ALGORITHMS, token_jwks_url=server.url)
    cache = JwksCache(server.url, ALL_ALGORITHMS, ttl=300, min_refresh=30, clock=clock)
    return TokenValidator(settings, keys=[], jwks=cache)


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_rotation_and_unknown_kid_throttling(tmp_path, jwks_server, algorithm):
    clock = Clock()
    validator = _validator(tmp_path, jwks_server, clock)
    old = private_key(algorithm)
    jwks_server.keys = [jwk(old, algorithm, "key-1")]

    assert validator.validate(sign(payload(), old, algorithm, kid="key-1"), audience="api")
    assert jwks_server.fetches == 1

    # a flood of random kids: at most one refetch per min_refresh (here: none, it just fetched)
    for _ in range(200):
        with pytest.raises(Unauthorized) as caught:
            validator.validate(
                sign(payload(), old, algorithm, kid=uuid.uuid4().hex), audience="api"
            )
        assert caught.value.code == "token_invalid"
    assert jwks_server.fetches == 1

    # rotate: a new key with a new kid; once min_refresh has passed it is picked up
    new = private_key(algorithm)
    jwks_server.keys = [jwk(new, algorithm, "key-2")]
    clock.now += 31
    assert validator.validate(sign(payload(), new, algorithm, kid="key-2"), audience="api")
    assert jwks_server.fetches == 2
    # the old key is gone from the set now
    clock.now += 31
    with pytest.raises(Unauthorized):
        validator.validate(sign(payload(), old, algorithm, kid="key-1"), audience="api")
    assert jwks_server.fetches == 3
    for _ in range(100):
        with pytest.raises(Unauthorized):
            validator.validate(
                sign(payload(), new, algorithm, kid=uuid.uuid4().hex), audience="api"
            )
    assert jwks_server.fetches == 3


def test_the_set_is_refetched_after_its_ttl(tmp_path, jwks_server):
    clock = Clock()
    validator = _validator(tmp_path, jwks_server, clock)
    key = private_key("ES256")
    jwks_server.keys = [jwk(key, "ES256", "k")]
    token = sign(payload(), key, "ES256", kid="k")
    for _ in range(20):
        validator.validate(token, audience="api")
    assert jwks_server.fetches == 1
    clock.now += 301
    validator.validate(token, audience="api")
    assert jwks_server.fetches == 2


def test_a_down_jwks_keeps_the_last_keys_and_is_not_hammered(tmp_path, jwks_server):
    clock = Clock()
    validator = _validator(tmp_path, jwks_server, clock)
    key = private_key("RS256")
    jwks_server.keys = [jwk(key, "RS256", "k")]
    token = sign(payload(), key, "RS256", kid="k")
    validator.validate(token, audience="api")
    jwks_server.status = 500
    clock.now += 301  # expired: refetch fails, the previous set is still used
    for _ in range(50):
        assert validator.validate(token, audience="api")
    assert jwks_server.fetches == 2


def test_no_keys_at_all_is_a_503_not_a_401(tmp_path, jwks_server):
    clock = Clock()
    validator = _validator(tmp_path, jwks_server, clock)
    jwks_server.status = 503
    key = private_key("RS256")
    for _ in range(10):
        with pytest.raises(UpstreamError) as caught:
            validator.validate(sign(payload(), key, "RS256", kid="k"), audience="api")
        assert caught.value.code == "token_keys_unavailable"
    assert jwks_server.fetches == 1


def test_symmetric_and_foreign_keys_in_the_set_are_ignored(tmp_path, jwks_server):
    """An `oct` key published in the JWKS must not turn into an HS256 verification key."""
    clock = Clock()
    validator = _validator(tmp_path, jwks_server, clock)
    rsa_key = private_key("RS256")
    jwks_server.keys = [
        {
            "kty": "oct",
            "kid": "shared",
            "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0",
            "alg": "HS256",
        },
        {**jwk(rsa_key, "RS256", "enc-key"), "use": "enc"},
        jwk(rsa_key, "RS256", "sig-key"),
    ]
    from tests.common.test_tokens_helpers import hs256_with_secret

    forged = hs256_with_secret(payload(), b"secret-secret-secret-secret", kid="shared")
    with pytest.raises(Unauthorized):
        validator.validate(forged, audience="api")
    with pytest.raises(Unauthorized):
        validator.validate(sign(payload(), rsa_key, "RS256", kid="enc-key"), audience="api")
    assert validator.validate(sign(payload(), rsa_key, "RS256", kid="sig-key"), audience="api")


def test_from_settings_uses_the_real_clock_and_http(tmp_path, jwks_server):
    key = private_key("EdDSA")
    jwks_server.keys = [jwk(key, "EdDSA", "ed")]
    settings = make_settings(
        tmp_path, token_algorithms=("EdDSA",), token_hs256_secret="", token_jwks_url=jwks_server.url
    )
    validator = TokenValidator.from_settings(settings)
    assert validator.validate(sign(payload(), key, "EdDSA", kid="ed"), audience="api")
    for _ in range(50):
        with pytest.raises(Unauthorized):
            validator.validate(sign(payload(), key, "EdDSA", kid=uuid.uuid4().hex), audience="api")
    assert jwks_server.fetches == 1
