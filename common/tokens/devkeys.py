"""Development secrets: an HS256 signing secret and an internal key, made once in STATE_DIR."""

from __future__ import annotations

import dataclasses
import logging
import secrets
import time
from pathlib import Path

from common.settings import Settings
from common.state_files import create_once

log = logging.getLogger(__name__)

DEV_SECRET_FILE = "dev-token-secret"  # noqa: S105 - a file name, not a secret
INTERNAL_KEY_FILE = "internal-key"


def read_or_create_secret(path: Path) -> str:
    """The secret in `path`; if absent, create it (0600) so that racing processes agree."""
    create_once(path, lambda: (secrets.token_urlsafe(48) + "\n").encode(), "a development secret")
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    for _ in range(50):
        value = path.read_text(encoding="ascii").strip()
        if value:
            if path.stat().st_mode & 0o077:
                log.warning("%s is readable by other users; it should be mode 0600", path)
            return value
        time.sleep(0.02)  # created by hand and not written yet
    raise ValueError(f"{path} is empty")


def has_configured_key(settings: Settings) -> bool:
    """Whether any verification key (secret, PEM file or JWKS URL) is configured."""
    return bool(
        settings.token_hs256_secret or settings.token_public_keys or settings.token_jwks_url
    )


def resolve_secrets(settings: Settings) -> Settings:
    """Settings with the dev HS256 secret and internal key filled in when TOKEN_DEV_KEY allows.

    With TOKEN_DEV_KEY on (the default) and no key configured, the HS256 secret comes from
    `<STATE_DIR>/dev-token-secret`; with INTERNAL_API_KEY unset, the internal key comes from
    `<STATE_DIR>/internal-key`. Both files are created on first use. App factories and the
    token CLI call this, so they all agree on the same secrets.
    """
    if not settings.token_dev_key:
        return settings
    changes: dict[str, str] = {}
    if not has_configured_key(settings):
        changes["token_hs256_secret"] = read_or_create_secret(settings.state_dir / DEV_SECRET_FILE)
        if "HS256" not in settings.token_algorithms:
            log.warning("a dev HS256 secret was made but TOKEN_ALGORITHMS does not allow HS256")
    if not settings.internal_key:
        changes["internal_key"] = read_or_create_secret(settings.state_dir / INTERNAL_KEY_FILE)
    return dataclasses.replace(settings, **changes) if changes else settings
