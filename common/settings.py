"""Settings for all three processes; the only module that reads the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from pathlib import Path

from common.channels import ChannelConfig
from common.channels import load_channels

REPO_ROOT = Path(__file__).resolve().parent.parent
# the URLs redis-py's Redis.from_url reads: GATEWAY_CACHE_URL names a Redis when it starts so
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def _float_pair(value: str) -> tuple[float, float]:
    connect, _, read = value.partition(",")
    return float(connect), float(read or connect)


def _csv(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _bool(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    """Every setting, with its environment variable in `metadata["env"]`."""

    # where state lives (the SQLite cache, the dev signing key)
    state_dir: Path = field(default=REPO_ROOT / "var", metadata={"env": "STATE_DIR"})
    log_level: str = field(default="INFO", metadata={"env": "LOG_LEVEL"})

    # gateway: channels and upstreams
    channels_file: Path = field(
        default=REPO_ROOT / "data" / "channels.toml", metadata={"env": "GATEWAY_CHANNELS_FILE"}
    )
    cache_url: str = field(default="", metadata={"env": "GATEWAY_CACHE_URL"})
    default_ttl: int = field(default=300, metadata={"env": "GATEWAY_DEFAULT_TTL"})
    stale_max_age: int = field(default=86400, metadata={"env": "GATEWAY_STALE_MAX_AGE"})
    # longest the edge and the gateway's response cache keep a public badge or SBOM (s-maxage)
    shared_max_age: int = field(default=300, metadata={"env": "GATEWAY_SHARED_MAX_AGE"})
    upstream_timeout: tuple[float, float] = field(
        default=(3.05, 10.0), metadata={"env": "GATEWAY_UPSTREAM_TIMEOUT", "parse": _float_pair}
    )
    lock_wait: float = field(default=10.0, metadata={"env": "GATEWAY_LOCK_WAIT"})
    breaker_failures: int = field(default=3, metadata={"env": "GATEWAY_BREAKER_FAILURES"})
    breaker_reset: float = field(default=10.0, metadata={"env": "GATEWAY_BREAKER_RESET"})
    rate_limit: str = field(default="1200 per minute", metadata={"env": "RATE_LIMIT"})
    rate_limit_storage: str = field(default="", metadata={"env": "RATE_LIMIT_STORAGE_URL"})
    # upstream requests one client request may cause (common/upstream_budget.py); our own
    # services' calls may cause more: a batch of up to 500 dependency names
    upstream_request_budget: int = field(default=16, metadata={"env": "UPSTREAM_REQUEST_BUDGET"})
    upstream_internal_budget: int = field(default=520, metadata={"env": "UPSTREAM_INTERNAL_BUDGET"})
    # addresses/networks of the proxies (the edge) whose X-Forwarded-For/-Proto are believed
    trusted_proxies: tuple[str, ...] = field(
        default=(), metadata={"env": "TRUSTED_PROXIES", "parse": _csv}
    )
    public_url: str = field(default="", metadata={"env": "PUBLIC_URL"})
    # without PUBLIC_URL, the hosts (Host header, port ignored) public URLs may be built on
    allowed_hosts: tuple[str, ...] = field(
        default=("localhost", "127.0.0.1", "::1"),
        metadata={"env": "ALLOWED_HOSTS", "parse": _csv},
    )
    # host:port of the internal Prometheus listener each gunicorn master starts ("" = none)
    metrics_bind: str = field(default="", metadata={"env": "METRICS_BIND"})

    # gateway: channels the size of conda-forge (host indexes, shards, the fallback upstream)
    # longest a request waits for another worker's first build of a channel's index
    index_build_wait: float = field(default=120.0, metadata={"env": "GATEWAY_INDEX_BUILD_WAIT"})
    index_build_timeout: float = field(
        default=900.0, metadata={"env": "GATEWAY_INDEX_BUILD_TIMEOUT"}
    )
    # base URL of an anaconda.org-shaped conda host (`<base>/<channel>/<subdir>/...`) that
    # serves channel names not in the config; empty: off (unknown channels are 404)
    fallback_upstream: str = field(default="", metadata={"env": "GATEWAY_FALLBACK_UPSTREAM"})
    # the anaconda.org API used for fallback channels that publish no shards
    fallback_api: str = field(
        default="https://api.anaconda.org", metadata={"env": "GATEWAY_FALLBACK_API"}
    )
    fallback_max_channels: int = field(
        default=64, metadata={"env": "GATEWAY_FALLBACK_MAX_CHANNELS"}
    )
    # about how much parsed upstream data fallback channels may keep per worker
    fallback_max_bytes: int = field(
        default=64 * 1024 * 1024, metadata={"env": "GATEWAY_FALLBACK_MAX_BYTES"}
    )
    fallback_subdirs: tuple[str, ...] = field(
        default=("noarch", "linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64"),
        metadata={"env": "GATEWAY_FALLBACK_SUBDIRS", "parse": _csv},
    )

    # how the processes find each other
    # the metadata API the services read: a gateway instance of its own (see README)
    gateway_url: str = field(default="http://127.0.0.1:8083", metadata={"env": "GATEWAY_URL"})
    badges_url: str = field(default="http://127.0.0.1:8081", metadata={"env": "BADGES_URL"})
    sbom_url: str = field(default="http://127.0.0.1:8082", metadata={"env": "SBOM_URL"})
    service_timeout: tuple[float, float] = field(
        default=(1.0, 10.0), metadata={"env": "SERVICE_TIMEOUT", "parse": _float_pair}
    )
    internal_key: str = field(default="", repr=False, metadata={"env": "INTERNAL_API_KEY"})

    # vulnerabilities: the database the gateway reads (built by `conda-badges-vulns sync`) and
    # how often (seconds) each worker checks whether a new one was swapped in
    vulns_db: Path = field(
        default=REPO_ROOT / "data" / "vulns.sqlite", metadata={"env": "VULNS_DB"}
    )
    vulns_check_interval: float = field(default=2.0, metadata={"env": "VULNS_DB_CHECK_INTERVAL"})

    # badges
    badges_facts_ttl: float = field(default=5.0, metadata={"env": "BADGES_FACTS_TTL"})

    # gunicorn (read by deploy/gunicorn.conf.py)
    gunicorn_worker_class: str = field(default="gthread", metadata={"env": "GUNICORN_WORKER_CLASS"})
    gunicorn_workers: int = field(default=2, metadata={"env": "GUNICORN_WORKERS"})
    gunicorn_threads: int = field(default=8, metadata={"env": "GUNICORN_THREADS"})
    gunicorn_timeout: int = field(default=30, metadata={"env": "GUNICORN_TIMEOUT"})
    gunicorn_graceful_timeout: int = field(
        default=10, metadata={"env": "GUNICORN_GRACEFUL_TIMEOUT"}
    )
    gunicorn_keepalive: int = field(default=5, metadata={"env": "GUNICORN_KEEPALIVE"})

    # tokens (service-account JWTs)
    token_algorithms: tuple[str, ...] = field(
        default=("HS256",), metadata={"env": "TOKEN_ALGORITHMS", "parse": _csv}
    )
    token_issuer: str = field(default="conda-badges-dev", metadata={"env": "TOKEN_ISSUER"})
    token_hs256_secret: str = field(default="", repr=False, metadata={"env": "TOKEN_HS256_SECRET"})
    token_public_keys: tuple[str, ...] = field(
        default=(), metadata={"env": "TOKEN_PUBLIC_KEY_FILES", "parse": _csv}
    )
    token_jwks_url: str = field(default="", metadata={"env": "TOKEN_JWKS_URL"})
    token_jwks_ttl: int = field(default=300, metadata={"env": "TOKEN_JWKS_TTL"})
    # an unknown `kid` refetches the JWKS at most once per this many seconds (per process)
    token_jwks_min_refresh: int = field(default=30, metadata={"env": "TOKEN_JWKS_MIN_REFRESH"})
    token_leeway: int = field(default=30, metadata={"env": "TOKEN_LEEWAY"})
    token_max_length: int = field(default=8192, metadata={"env": "TOKEN_MAX_LENGTH"})
    token_denylist_file: Path | None = field(default=None, metadata={"env": "TOKEN_DENYLIST_FILE"})
    token_denylist_redis_url: str = field(default="", metadata={"env": "TOKEN_DENYLIST_REDIS_URL"})
    # a TOKEN_DENYLIST_FILE that does not exist refuses every token (503) unless this is true
    token_denylist_optional: bool = field(
        default=False, metadata={"env": "TOKEN_DENYLIST_OPTIONAL", "parse": _bool}
    )
    token_dev_key: bool = field(default=True, metadata={"env": "TOKEN_DEV_KEY", "parse": _bool})

    # package contents (contents/): how remote archives are read, and how much may be fetched
    # range: a remote .conda is read by HTTP range requests (info member only; size checked,
    # sha256 not); full: every archive is downloaded whole and its sha256 checked
    contents_mode: str = field(default="range", metadata={"env": "CONTENTS_MODE"})
    # seconds a worker remembers that an archive could not be read (and answers so at once)
    contents_failure_ttl: float = field(default=300.0, metadata={"env": "CONTENTS_FAILURE_TTL"})
    contents_max_bytes: int = field(
        default=512 * 1024 * 1024, metadata={"env": "CONTENTS_MAX_BYTES"}
    )

    # SBOM signing (attestation/): the service's private key, as a PEM file or the PEM itself;
    # without either (and with SBOM_DEV_KEY on) a dev key is made in STATE_DIR
    sbom_signing_key_file: Path | None = field(
        default=None, metadata={"env": "SBOM_SIGNING_KEY_FILE"}
    )
    sbom_signing_key: str = field(default="", repr=False, metadata={"env": "SBOM_SIGNING_KEY"})
    # earlier public keys (PEM files), still published so that old envelopes verify by key id
    sbom_previous_public_keys: tuple[str, ...] = field(
        default=(), metadata={"env": "SBOM_PREVIOUS_PUBLIC_KEY_FILES", "parse": _csv}
    )
    sbom_dev_key: bool = field(default=True, metadata={"env": "SBOM_DEV_KEY", "parse": _bool})
    # the SBOM creator (BSI TR-03183-2, CISA 2024): a name, and an email or URL to reach them
    # (without one, PUBLIC_URL is the contact)
    sbom_creator_name: str = field(default="conda-badges", metadata={"env": "SBOM_CREATOR_NAME"})
    sbom_creator_contact: str = field(default="", metadata={"env": "SBOM_CREATOR_CONTACT"})
    # seconds the SBOM service reuses a file's gathered facts (after its own access check)
    sbom_facts_ttl: float = field(default=5.0, metadata={"env": "SBOM_FACTS_TTL"})

    # environments (lockfile reports and SBOMs): the largest lockfile body and the most locked
    # packages (counted once per environment and platform) one request may send
    environments_max_bytes: int = field(
        default=8 * 1024 * 1024, metadata={"env": "ENVIRONMENTS_MAX_BYTES"}
    )
    environments_max_packages: int = field(
        default=20000, metadata={"env": "ENVIRONMENTS_MAX_PACKAGES"}
    )
    # seconds one environment report or SBOM may take (503 environment_timeout past it; below
    # GUNICORN_TIMEOUT and the edge's proxy_read_timeout, so the 503 is what a client gets), and
    # how many packages' contents one `?files=true` request may read
    environments_time_limit: float = field(
        default=20.0, metadata={"env": "ENVIRONMENTS_TIME_LIMIT"}
    )
    environments_max_contents: int = field(
        default=50, metadata={"env": "ENVIRONMENTS_MAX_CONTENTS"}
    )

    # watched environments (POST /api/environments): how many locks, bytes and seconds the
    # store keeps (SQLite in STATE_DIR, or Redis with a redis:// GATEWAY_CACHE_URL)
    environments_max_stored: int = field(default=1000, metadata={"env": "ENVIRONMENTS_MAX_STORED"})
    environments_max_stored_bytes: int = field(
        default=256 * 1024 * 1024, metadata={"env": "ENVIRONMENTS_MAX_STORED_BYTES"}
    )
    environments_ttl: int = field(default=90 * 86400, metadata={"env": "ENVIRONMENTS_TTL"})

    # resolved from channels_file at load time
    channels: dict[str, ChannelConfig] = field(default_factory=dict, repr=False)

    @property
    def cache_redis_url(self) -> str:
        """GATEWAY_CACHE_URL when it names a Redis (redis://, rediss://, unix://), else "": the
        one answer to "is the shared cache Redis?" that every cache and limiter asks."""
        return self.cache_url if self.cache_url.startswith(REDIS_SCHEMES) else ""

    @property
    def sqlite_cache_path(self) -> Path:
        """Where the SQLite HTTP cache lives when no Redis cache URL is set."""
        return self.state_dir / "http-cache.sqlite"

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        with_channels: bool = True,
        **overrides: object,
    ) -> Settings:
        """Build settings from environment variables, then apply explicit overrides.

        The gateway needs the channels config (`with_channels`); the services do not.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for item in fields(cls):
            env = item.metadata.get("env")
            if not env or env not in environ or environ[env] == "":
                continue
            raw = environ[env]
            parse = item.metadata.get("parse")
            if parse is not None:
                values[item.name] = parse(raw)
            elif item.type in ("int", int):
                values[item.name] = int(raw)
            elif item.type in ("float", float):
                values[item.name] = float(raw)
            elif "Path" in str(item.type):
                values[item.name] = Path(raw)
            else:
                values[item.name] = raw
        values.update(overrides)
        settings = cls(**values)  # type: ignore[arg-type]
        if with_channels and "channels" not in overrides:
            channels = load_channels(settings.channels_file, environ, settings.default_ttl)
            settings = cls(**{**values, "channels": channels})  # type: ignore[arg-type]
        return settings


def settings_table() -> list[tuple[str, str, str]]:
    """(environment variable, default, field name) for every setting, for the README."""
    rows = []
    for item in fields(Settings):
        env = item.metadata.get("env")
        if env:
            default = item.default if item.default is not item.default_factory else ""
            rows.append((env, str(default), item.name))
    return rows
