"""The system the attack suite runs against: every process under gunicorn, Redis for the shared
cache and the rate-limit counters, a low limit, and one extra channel whose package metadata
carries hostile links. Distinct clients are distinct loopback source addresses (127.0.0.x)."""

from __future__ import annotations

import http.client
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.processes import REPO
from tests.processes import System
from tests.processes import start_redis
from tests.processes import start_system

LIMIT = 300  # requests per minute per client, on the public gateway
HOSTILE_HOME = "javascript:alert(document.domain)"
HOSTILE_DEV_URL = "data:text/html,<script>alert(1)</script>"


@dataclass
class Answer:
    """One HTTP answer."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self):
        return json.loads(self.body)


def request(
    base: str,
    path: str,
    *,
    source: str = "127.0.0.1",
    headers: dict[str, str] | None = None,
    method: str = "GET",
    timeout: float = 30,
    body: bytes | None = None,
) -> Answer:
    """One request from the loopback address `source` (a distinct client per address)."""
    host, _, port = base.removeprefix("http://").partition(":")
    connection = http.client.HTTPConnection(
        host, int(port), timeout=timeout, source_address=(source, 0)
    )
    try:
        connection.putrequest(method, path, skip_host="Host" in (headers or {}))
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return Answer(
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            response.read(),
        )
    finally:
        connection.close()


def hostile_channel(root: Path) -> Path:
    """A copy of the real `main` channel whose zlib metadata links to javascript: and data:
    URLs (the attack run's input); returns the channel folder."""
    channel = root / "hostile"
    shutil.copytree(REPO / "data" / "channels" / "main", channel)
    channeldata = json.loads((channel / "channeldata.json").read_text())
    zlib = channeldata["packages"]["zlib"]
    zlib["home"], zlib["dev_url"] = HOSTILE_HOME, HOSTILE_DEV_URL
    (channel / "channeldata.json").write_text(json.dumps(channeldata))
    return channel


@pytest.fixture(scope="session")
def attacked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """The whole system as an attacker meets it (see the module docstring)."""
    work = tmp_path_factory.mktemp("attacked")
    redis, redis_url = start_redis(work / "redis")
    channel = hostile_channel(work)
    channels = work / "channels.toml"
    channels.write_text(
        (REPO / "data" / "channels.toml")
        .read_text()
        .replace("file:channels/", f"file:{REPO}/data/channels/")
        .replace('vex = "vex/', f'vex = "{REPO}/data/vex/')
        + f'\n[channels.hostile]\ndriver = "conda"\nurl = "file:{channel}"\n'
    )
    env = {
        "GATEWAY_CHANNELS_FILE": str(channels),
        "GATEWAY_CACHE_URL": redis_url,
        "RATE_LIMIT": f"{LIMIT} per minute",
        "RATE_LIMIT_STORAGE_URL": redis_url,
    }
    try:
        system = start_system(work, env)
    except BaseException:
        redis.stop()
        raise
    system.redis_url = redis_url  # type: ignore[attr-defined]
    yield system
    system.stop()
    redis.stop()


def token_validator(state_dir: Path, **overrides):
    """A TokenValidator with the test secret and issuer (settings may be overridden)."""
    from common.settings import Settings
    from common.tokens import TokenValidator
    from tests.processes import TEST_ISSUER
    from tests.processes import TEST_SECRET

    environ = {
        "STATE_DIR": str(state_dir),
        "TOKEN_HS256_SECRET": TEST_SECRET,
        "TOKEN_ISSUER": TEST_ISSUER,
    }
    settings = Settings.from_env(environ, with_channels=False, **overrides)
    return TokenValidator.from_settings(settings)
