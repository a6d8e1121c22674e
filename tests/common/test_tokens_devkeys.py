"""Development secrets: made once, 0600, and the same for every racing process."""

from __future__ import annotations

import multiprocessing
import stat

from common.tokens import resolve_secrets
from common.tokens.devkeys import read_or_create_secret
from tests.common.test_tokens_helpers import make_settings


def _race(path: str, barrier, results) -> None:
    from pathlib import Path

    barrier.wait()
    results.put(read_or_create_secret(Path(path)))


def test_racing_processes_agree_on_one_secret(tmp_path):
    path = tmp_path / "state" / "dev-token-secret"
    context = multiprocessing.get_context("spawn")  # fork from a threaded pytest may deadlock
    count = 12
    barrier, results = context.Barrier(count), context.Queue()
    workers = [
        context.Process(target=_race, args=(str(path), barrier, results)) for _ in range(count)
    ]
    for worker in workers:
        worker.start()
    secrets = {results.get(timeout=30) for _ in workers}
    for worker in workers:
        worker.join(30)
        assert worker.exitcode == 0
    assert len(secrets) == 1
    assert secrets == {path.read_text().strip()}
    assert len(secrets.pop()) >= 43
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["dev-token-secret"]  # no temp files left


def test_resolve_secrets_fills_in_dev_secret_and_internal_key(tmp_path):
    settings = make_settings(tmp_path, token_hs256_secret="", token_dev_key=True, internal_key="")
    resolved = resolve_secrets(settings)
    state = tmp_path / "state"
    assert resolved.token_hs256_secret == (state / "dev-token-secret").read_text().strip()
    assert resolved.internal_key == (state / "internal-key").read_text().strip()
    assert resolved.token_hs256_secret != resolved.internal_key
    again = resolve_secrets(settings)
    assert again.token_hs256_secret == resolved.token_hs256_secret
    assert again.internal_key == resolved.internal_key
    assert stat.S_IMODE((state / "internal-key").stat().st_mode) == 0o600


def test_configured_keys_win(tmp_path):
    settings = make_settings(tmp_path, token_dev_key=True, internal_key="configured-key")
    resolved = resolve_secrets(settings)
    assert resolved.token_hs256_secret == settings.token_hs256_secret
    assert resolved.internal_key == "configured-key"
    assert not (tmp_path / "state").exists()


def test_a_jwks_url_counts_as_a_configured_key(tmp_path):
    settings = make_settings(
        tmp_path,
        token_dev_key=True,
        token_hs256_secret="",
        token_jwks_url="http://127.0.0.1:9/jwks.json",
        internal_key="k",
    )
    assert resolve_secrets(settings).token_hs256_secret == ""


def test_dev_keys_off_changes_nothing(tmp_path):
    settings = make_settings(tmp_path, token_hs256_secret="", token_dev_key=False, internal_key="")
    assert resolve_secrets(settings) is settings
    assert not (tmp_path / "state").exists()
