"""The deny list: a file re-read on change, and a real Redis set; Redis down fails closed."""

from __future__ import annotations

import pytest
import redis

from common.errors import Unauthorized
from common.errors import UpstreamError
from common.tokens import Denylist
from common.tokens import TokenValidator
from common.tokens.denylist import REDIS_KEY
from common.tokens.denylist import revoke
from tests.common.test_tokens_helpers import make_settings
from tests.common.test_tokens_helpers import payload
from tests.common.test_tokens_helpers import sign
from tests.processes import free_port
from tests.processes import start_redis


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A throwaway redis-server."""
    process, url = start_redis(tmp_path_factory.mktemp("redis"))
    yield url
    process.stop()


def test_file_is_reread_when_it_changes(tmp_path):
    path = tmp_path / "denied.txt"
    denylist = Denylist(path, optional=True)
    assert not denylist.is_revoked("a")  # no file yet, and that is allowed: nothing revoked
    revoke("a", path)
    assert denylist.is_revoked("a") and not denylist.is_revoked("b")
    path.write_text("b\n")
    assert denylist.is_revoked("b") and not denylist.is_revoked("a")


def test_unreadable_file_fails_closed(tmp_path):
    path = tmp_path / "denied.txt"
    path.write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(UpstreamError) as caught:
        Denylist(path).is_revoked("a")
    assert caught.value.code == "token_denylist_unavailable"


@pytest.mark.integration
def test_redis_set_is_honoured_by_the_validator(tmp_path, redis_url):
    client = redis.Redis.from_url(redis_url)
    validator = TokenValidator.from_settings(
        make_settings(tmp_path, token_denylist_redis_url=redis_url)
    )
    token = sign(payload(jti="redis-revoked"))
    assert validator.validate(token, audience="api")
    revoke("redis-revoked", redis_client=client)
    assert client.sismember(REDIS_KEY, "redis-revoked")
    with pytest.raises(Unauthorized) as caught:
        validator.validate(token, audience="api")
    assert caught.value.code == "token_revoked"
    assert validator.validate(sign(payload(jti="still-fine")), audience="api")


@pytest.mark.integration
def test_redis_down_is_a_503_not_an_open_door(tmp_path):
    url = f"redis://127.0.0.1:{free_port()}/0"
    validator = TokenValidator.from_settings(make_settings(tmp_path, token_denylist_redis_url=url))
    with pytest.raises(UpstreamError) as caught:
        validator.validate(sign(payload()), audience="api")
    assert caught.value.code == "token_denylist_unavailable" and caught.value.status == 503
