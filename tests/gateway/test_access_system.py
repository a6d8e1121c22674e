"""Private channels against real gunicorn processes: every bad token, JWKS rotation, clean logs.

Each test runs against two deployments: the shared `system` (gateway, badges and sbom with the
HS256 test secret) and `keyed`, a gateway of our own that also has an RS256 public key file, a
JWKS URL (served from a thread here), a deny list file and a small TOKEN_MAX_LENGTH.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.common.test_tokens_helpers import alg_none
from tests.common.test_tokens_helpers import hs256_with_secret
from tests.common.test_tokens_helpers import private_key
from tests.common.test_tokens_helpers import public_pem
from tests.common.test_tokens_helpers import sign
from tests.common.test_tokens_helpers import write_public_key
from tests.common.test_tokens_jwks import JwksServer
from tests.common.test_tokens_jwks import jwk
from tests.processes import TEST_ISSUER
from tests.processes import TEST_SECRET
from tests.processes import start_system

pytestmark = pytest.mark.integration

ARTIFACT = "/api/channels/private/artifacts/conda/r-base"
KEYED_MAX_LENGTH = 3000
JWKS_MIN_REFRESH = 2
FLOOD_SECONDS = 5
USED_TOKENS: list[str] = []  # every token sent, for the log scan


@dataclass
class Target:
    """A running deployment under test."""

    name: str
    gateway_url: str
    log_paths: list[Path]
    has_badges: bool
    rsa_key: object = None
    jwks: JwksServer | None = None
    denylist: Path | None = None


@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    """A gunicorn gateway with HS256 + RS256 PEM + JWKS (ES256/EdDSA) keys and a deny list."""
    work = tmp_path_factory.mktemp("keyed")
    rsa_key = private_key("RS256")
    pem = write_public_key(work, "rsa-1", rsa_key)
    jwks = JwksServer()
    jwks.keys = []
    denylist = work / "denylist.txt"
    denylist.write_text("")  # a missing deny list would refuse every token
    running = start_system(
        work,
        extra_env={
            "TOKEN_ALGORITHMS": "HS256,RS256,ES256,EdDSA",
            "TOKEN_PUBLIC_KEY_FILES": str(pem),
            "TOKEN_JWKS_URL": jwks.url,
            "TOKEN_JWKS_MIN_REFRESH": str(JWKS_MIN_REFRESH),
            "TOKEN_DENYLIST_FILE": str(denylist),
            "TOKEN_MAX_LENGTH": str(KEYED_MAX_LENGTH),
        },
        only=("gateway",),
    )
    yield Target(
        "keyed",
        running.gateway_url,
        [*running.access_log_paths, *running.app_log_paths],
        has_badges=False,
        rsa_key=rsa_key,
        jwks=jwks,
        denylist=denylist,
    )
    running.stop()
    jwks.close()


@pytest.fixture(params=["system", "keyed"])
def target(request) -> Target:
    """Each deployment in turn."""
    if request.param == "keyed":
        return request.getfixturevalue("keyed")
    system = request.getfixturevalue("system")
    return Target(
        "system",
        system.gateway_url,
        [*system.access_log_paths, *system.app_log_paths],
        has_badges=True,
    )


def claims(**overrides) -> dict:
    """A valid payload for the test issuer, audience api, channel private."""
    now = int(time.time())
    base = {
        "iss": TEST_ISSUER,
        "sub": "system-test",
        "aud": "api",
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        "scope": "channel:private",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def token(**overrides) -> str:
    """An HS256 token with the system's test secret."""
    value = sign(claims(**overrides), TEST_SECRET)
    USED_TOKENS.append(value)
    return value


def get(target: Target, path: str, tok: str | None = None, how: str = "header", **kwargs):
    """GET `path` on the gateway with the token in the header, the query or the path."""
    headers = dict(kwargs.pop("headers", {}))
    params = dict(kwargs.pop("params", {}))
    if tok is not None:
        USED_TOKENS.append(tok)
        if how == "header":
            headers["Authorization"] = f"Bearer {tok}"
        elif how == "query":
            params["token"] = tok
        elif how == "path":
            path = f"/t/{tok}{path}"
    return requests.get(
        target.gateway_url + path, headers=headers, params=params, timeout=15, **kwargs
    )


def assert_error(response, status: int, code: str | None = None) -> None:
    """An error answer: the status, the code (when JSON), no package data, no token."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    if code is not None:
        assert response.json()["error"]["code"] == code
    assert '"versions"' not in response.text and "3.5.0" not in response.text
    for used in USED_TOKENS[-3:]:
        assert used[-20:] not in response.text


@pytest.mark.parametrize("how", ["header", "query", "path"])
def test_valid_token_reads_the_private_channel(target, how):
    response = get(target, ARTIFACT, token(), how)
    assert response.status_code == 200, response.text[:300]
    assert response.json()["name"] == "r-base" and response.json()["latest_version"] == "3.5.0"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_no_token_is_a_404_like_a_missing_channel(target):
    hidden = get(target, ARTIFACT)
    missing = get(target, "/api/channels/nothing-here/artifacts/conda/r-base")
    assert_error(hidden, 404, "channel_not_found")
    assert hidden.json()["error"]["message"] == "channel 'private' not found"
    assert missing.json()["error"]["message"] == "channel 'nothing-here' not found"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"exp": 1_000, "iat": 0}, "token_expired"),
        ({"iat": 4_000_000_000, "exp": 4_000_000_600}, "token_not_yet_valid"),
        ({"nbf": 4_000_000_000, "exp": 4_000_000_600}, "token_not_yet_valid"),
        ({"iss": "not-the-issuer"}, "token_wrong_issuer"),
        ({"aud": "sbom"}, "token_wrong_audience"),
        ({"sub": None}, "token_missing_claim"),
    ],
)
@pytest.mark.parametrize("how", ["header", "query", "path"])
def test_bad_claims_are_401(target, overrides, code, how):
    assert_error(get(target, ARTIFACT, token(**overrides), how), 401, code)


def test_forged_tokens_are_401(target):
    rsa_key = target.rsa_key or private_key("RS256")
    pem = public_pem(rsa_key)
    forged = [
        alg_none(claims()),
        hs256_with_secret(claims(), pem),  # key confusion: HS256 keyed with the RS256 public key
        hs256_with_secret(claims(), pem, kid="rsa-1"),
        sign(claims(), "a-different-secret-" + "z" * 24),
        sign(claims(), private_key("RS256"), "RS256", kid="rsa-1"),
    ]
    for tok in forged:
        for how in ("header", "query", "path"):
            assert_error(get(target, ARTIFACT, tok, how), 401, "token_invalid")


def test_rs256_key_validates_on_the_keyed_gateway(keyed):
    tok = sign(claims(), keyed.rsa_key, "RS256", kid="rsa-1")
    assert get(keyed, ARTIFACT, tok).status_code == 200


def test_malformed_and_truncated_tokens_are_401(target):
    good = token()
    for tok in ("garbage", "a.b.c", good[: len(good) // 2], good[:-7], good + "x"):
        response = get(target, ARTIFACT, tok, "query")
        assert_error(response, 401)
        assert response.json()["error"]["code"] in ("token_malformed", "token_invalid")


@pytest.mark.parametrize("how", ["header", "query", "path"])
def test_a_20kb_token_gets_no_data_and_no_500(target, how):
    huge = "eyJhbGciOiJIUzI1NiJ9." + "A" * 20_000 + ".sig"
    response = get(target, ARTIFACT, huge, how)
    # gunicorn itself refuses lines and header fields over its limits (400, 414) before the app
    assert response.status_code in (400, 401, 414, 431), response.status_code
    assert_error(response, response.status_code)


def test_over_token_max_length_is_401_without_parsing(keyed):
    big = token(padding="p" * KEYED_MAX_LENGTH)
    assert_error(get(keyed, ARTIFACT, big), 401, "token_too_large")


def test_channel_not_in_scope_is_403(target):
    other = token(scope="channel:test-recipes")
    assert_error(get(target, ARTIFACT, other), 403, "insufficient_scope")
    # and the token for channel A still reads channel A (a public one here: not even checked)
    assert get(target, "/api/channels/test-recipes/artifacts", other).status_code == 200
    assert_error(get(target, ARTIFACT, token(scope="")), 403, "insufficient_scope")


def test_two_different_tokens_are_400(target):
    response = get(target, ARTIFACT, token(), "path", params={"token": token()})
    assert_error(response, 400, "conflicting_tokens")
    same = token()
    assert get(target, ARTIFACT, same, "path", params={"token": same}).status_code == 200


def test_revoked_jti_is_401(keyed):
    tok = token(jti="revoked-in-system-test")
    assert get(keyed, ARTIFACT, tok).status_code == 200
    with keyed.denylist.open("a") as handle:
        handle.write("revoked-in-system-test\n")
    for how in ("header", "query", "path"):
        assert_error(get(keyed, ARTIFACT, tok, how), 401, "token_revoked")


def test_listing_shows_private_channels_only_to_their_tokens(target):
    def names(tok=None):
        response = get(target, "/api/channels", tok)
        assert response.status_code == 200
        return {item["name"] for item in response.json()["items"]}

    assert "private" not in names() and "main" in names()
    assert "private" in names(token())
    assert "private" not in names(token(scope="channel:main"))


def test_badges_through_the_gateway(system):
    target = Target("system", system.gateway_url, [], has_badges=True)
    badge = "/private/r-base/badges/version.svg"
    for how in ("path", "query", "header"):
        response = get(target, badge, token(aud="badges"), how)
        assert response.status_code == 200, response.text[:300]
        assert "3.5.0" in response.text
        assert response.headers["Cache-Control"] == "private, no-store"
    assert get(target, badge).status_code == 404
    assert get(target, badge, token(aud="api"), "path").status_code == 401
    assert get(target, badge, token(aud="badges", scope="channel:main"), "path").status_code == 403
    for response in (get(target, badge), get(target, badge, token(aud="api"))):
        assert "3.5.0" not in response.text


def test_sboms_through_the_gateway(system):
    target = Target("system", system.gateway_url, [], has_badges=True)
    sbom = "/private/linux-64/r-base-3.5.0-h1c2f66e_1.tar.bz2.cdx.json"
    response = get(target, sbom, token(aud="sbom"), "path")
    assert response.status_code == 200, response.text[:300]
    assert response.json()["bomFormat"] == "CycloneDX"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert_error(get(target, sbom), 404)
    assert_error(get(target, sbom, token(aud="badges"), "query"), 401, "token_wrong_audience")
    assert_error(get(target, sbom, token(aud="sbom", scope="channel:main")), 403)


def test_jwks_rotation_without_restart_and_throttled_fetches(keyed, record_property):
    jwks = keyed.jwks
    first = private_key("ES256")
    jwks.keys = [jwk(first, "ES256", "es-1")]
    tok = sign(claims(), first, "ES256", kid="es-1")
    for _ in range(6):  # reaches both workers
        assert get(keyed, ARTIFACT, tok).status_code == 200
    before = jwks.fetches
    unknown, flood_until = 0, time.monotonic() + FLOOD_SECONDS
    while time.monotonic() < flood_until:  # several refresh windows long
        forged = sign(claims(), first, "ES256", kid=uuid.uuid4().hex)
        assert_error(get(keyed, ARTIFACT, forged), 401, "token_invalid")
        unknown += 1
    flood_fetches = jwks.fetches - before

    second = private_key("EdDSA")
    jwks.keys = [jwk(first, "ES256", "es-1"), jwk(second, "EdDSA", "ed-2")]
    time.sleep(JWKS_MIN_REFRESH + 0.5)
    rotated = sign(claims(), second, "EdDSA", kid="ed-2")
    for _ in range(6):
        assert get(keyed, ARTIFACT, rotated).status_code == 200
    record_property("jwks_fetches_total", jwks.fetches)
    record_property("jwks_fetches_during_unknown_kid_flood", flood_fetches)
    print(f"JWKS fetches: {jwks.fetches} total, {flood_fetches} during {unknown} unknown kids")
    workers = 2
    # each worker: at most one fetch per JWKS_MIN_REFRESH seconds while the flood lasts
    assert flood_fetches <= workers * (1 + int(FLOOD_SECONDS / JWKS_MIN_REFRESH))
    assert unknown > 10 * flood_fetches
    assert jwks.fetches <= workers * 2 + flood_fetches


def _tokenized_requests(target: Target) -> list[str]:
    sent = []
    for how in ("header", "query", "path"):
        for tok in (token(), token(exp=1_000, iat=0), token(scope="channel:main")):
            get(target, ARTIFACT, tok, how, headers={"Referer": f"https://x.test/?token={tok}"})
            sent.append(tok)
        broken = token()[:-9]
        get(target, ARTIFACT, broken, how)
        sent.append(broken)
        if target.has_badges:
            badge = token(aud="badges")
            get(target, "/private/r-base/badges/version.svg", badge, how)
            get(target, "/private/r-base/badges/downloads.svg", token(exp=1_000, iat=0), how)
            sent.append(badge)
    return sent


def leaked_runs(tokens: list[str], text: str, run: int = 20) -> list[str]:
    """Every token with a `run`-character stretch that appears in `text` (the stretch)."""
    windows = set()
    for chunk in re.findall(r"[A-Za-z0-9_.~%+/=-]{" + str(run) + ",}", text):
        windows.update(chunk[i : i + run] for i in range(len(chunk) - run + 1))
    found = []
    for tok in set(tokens):
        for start in range(len(tok) - run + 1):
            if tok[start : start + run] in windows:
                found.append(tok[start : start + run])
                break
    return found


def test_leak_scan_finds_a_leak():
    tok = token()
    assert leaked_runs([tok], f"GET /t/{tok[5:40]}/x") == [tok[5:25]]
    assert leaked_runs([tok], "GET /t/[redacted]/x") == []


def test_logs_never_contain_a_token(target):
    sent = _tokenized_requests(target)
    marker = uuid.uuid4().hex
    get(target, f"/healthz?marker={marker}")
    deadline = time.monotonic() + 10
    logs = ""
    while time.monotonic() < deadline:
        logs = "\n".join(p.read_text(errors="replace") for p in target.log_paths if p.exists())
        if marker in logs:
            break
        time.sleep(0.1)
    assert marker in logs, "the access log did not record the marker request"
    assert leaked_runs(sent + USED_TOKENS, logs) == []
