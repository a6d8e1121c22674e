"""Settings: read from the environment in one place, and all documented."""

from pathlib import Path

from common.settings import Settings
from common.settings import settings_table
from tests.processes import REPO


def test_environment_values_are_parsed_by_type(tmp_path):
    settings = Settings.from_env(
        {
            "STATE_DIR": str(tmp_path),
            "GATEWAY_DEFAULT_TTL": "60",
            "GATEWAY_UPSTREAM_TIMEOUT": "1.5,4",
            "TOKEN_ALGORITHMS": "RS256, ES256",
            "TOKEN_DEV_KEY": "false",
        }
    )
    assert settings.state_dir == Path(tmp_path)
    assert settings.default_ttl == 60
    assert settings.upstream_timeout == (1.5, 4.0)
    assert settings.token_algorithms == ("RS256", "ES256")
    assert settings.token_dev_key is False
    assert settings.channels["main"].ttl == 60  # the default TTL reaches channels without one
    assert settings.channels["private"].private is True


def test_services_do_not_need_the_channels_file(tmp_path):
    settings = Settings.from_env(
        {"GATEWAY_CHANNELS_FILE": str(tmp_path / "missing.toml")}, with_channels=False
    )
    assert settings.channels == {}


def test_secrets_are_not_in_repr():
    settings = Settings.from_env(
        {"TOKEN_HS256_SECRET": "very-secret-value", "INTERNAL_API_KEY": "k3y"}
    )
    assert "very-secret-value" not in repr(settings) and "k3y" not in repr(settings)


def test_readme_lists_every_setting():
    readme = (REPO / "README.md").read_text()
    missing = [env for env, _, _ in settings_table() if f"`{env}`" not in readme]
    assert missing == []


def test_only_the_settings_module_reads_the_environment():
    offenders = []
    for path in [
        *REPO.glob("common/**/*.py"),
        *REPO.glob("gateway/**/*.py"),
        *REPO.glob("services/**/*.py"),
        *REPO.glob("vulns/**/*.py"),
        *REPO.glob("contents/**/*.py"),
        *REPO.glob("attestation/**/*.py"),
    ]:
        text = path.read_text()
        if path.name != "settings.py" and ("os.environ" in text or "os.getenv" in text):
            offenders.append(str(path.relative_to(REPO)))
    assert offenders == []
