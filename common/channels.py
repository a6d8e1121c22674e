"""The channels config file: which upstream (driver, URL, credential) serves each channel."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from common.names import channel_name

DRIVERS = ("conda", "anaconda-org", "platform")
# first path segments the gateway uses itself: a channel by one of these names could not be
# reached by badge, SBOM or page URLs (`/t/<token>/...` is anaconda.org's token prefix)
RESERVED_NAMES = frozenset({"t", "api", "ui", "healthz", "readyz", "metrics", "environments"})


class ChannelConfigError(ValueError):
    """The channels config file is missing, unreadable or inconsistent."""


@dataclass(frozen=True)
class ChannelConfig:
    """One channel as configured: its driver and how to reach its upstream."""

    name: str
    driver: str
    url: str
    private: bool = False
    ttl: int = 300
    subdirs: tuple[str, ...] = ()
    title: str = ""
    owner: str = ""  # anaconda-org: the owner (user or org) on anaconda.org
    upstream_channel: str = ""  # platform: the channel's name on the upstream gateway
    packages: tuple[str, ...] = ()  # anaconda-org: the package names to list
    download_url: str = ""  # public base URL for package downloads, when the upstream is local
    credential_env: str = ""
    credential: str = field(default="", repr=False, compare=False)
    # conda: read channeldata.json (descriptions); use CEP-16 shards when a subdir has them;
    # fetch every shard in the background for listings and dependants of a sharded channel
    channeldata: bool = True
    shards: bool = True
    crawl_shards: bool = True
    pypi_mapping: Path | None = None  # the channel's own conda→PyPI mapping (parselmouth JSON)
    vex: Path | None = None  # the channel owner's CVE curation (an OpenVEX JSON document)
    # other base URLs serving this channel's files (mirrors): lockfile URLs under them resolve
    # to this channel (environments/)
    mirrors: tuple[str, ...] = ()


def _resolve_url(raw: str, base_dir: Path) -> str:
    if raw.startswith("file:") and not raw.startswith("file://"):
        path = Path(raw[len("file:") :])
        if not path.is_absolute():
            path = (base_dir / path).resolve()
        return path.as_uri()
    return raw.rstrip("/")


def _data_file(name: str, entry: dict, key: str, base_dir: Path) -> Path | None:
    """A file a channel names (relative to the config's folder); it must exist."""
    raw = entry.get(key)
    if raw in (None, ""):
        return None
    path = Path(str(raw))
    path = path if path.is_absolute() else (base_dir / path).resolve()
    if not path.is_file():
        raise ChannelConfigError(f"channel {name}: {key} {str(raw)!r} is not a file ({path})")
    return path


def _mirrors(name: str, entry: dict) -> tuple[str, ...]:
    raw = entry.get("mirrors", [])
    if not isinstance(raw, list) or not all(isinstance(u, str) and "://" in u for u in raw):
        raise ChannelConfigError(f"channel {name}: mirrors must be a list of base URLs")
    return tuple(u.rstrip("/") for u in raw)


def parse_channels(
    text: str, base_dir: Path, environ: Mapping[str, str], default_ttl: int = 300
) -> dict[str, ChannelConfig]:
    """Parse the TOML channels config; credentials are read from the named variables."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ChannelConfigError(f"channels config is not valid TOML: {error}") from error
    channels: dict[str, ChannelConfig] = {}
    for name, entry in (data.get("channels") or {}).items():
        try:
            channel_name(name)
        except Exception as error:
            raise ChannelConfigError(f"channel name {name!r} is not valid") from error
        if name in RESERVED_NAMES:
            raise ChannelConfigError(
                f"channel name {name!r} is reserved for the gateway's own URLs; pick another"
            )
        driver = entry.get("driver", "conda")
        if driver not in DRIVERS:
            raise ChannelConfigError(f"channel {name}: driver must be one of {', '.join(DRIVERS)}")
        if "url" not in entry:
            raise ChannelConfigError(f"channel {name}: url is required")
        credential_env = entry.get("credential_env", "")
        credential = environ.get(credential_env, "") if credential_env else ""
        if credential_env and not credential:
            raise ChannelConfigError(
                f"channel {name}: credential_env names {credential_env}, which is not set"
            )
        ttl = int(entry.get("ttl", default_ttl))
        if ttl < 0:
            raise ChannelConfigError(f"channel {name}: ttl must be 0 or more seconds")
        channels[name] = ChannelConfig(
            name=name,
            driver=driver,
            url=_resolve_url(str(entry["url"]), base_dir),
            private=bool(entry.get("private", False)),
            ttl=ttl,
            subdirs=tuple(entry.get("subdirs", ())),
            title=str(entry.get("title", "")),
            owner=str(entry.get("owner", "")),
            upstream_channel=str(entry.get("upstream_channel", name)),
            packages=tuple(entry.get("packages", ())),
            download_url=str(entry.get("download_url", "")).rstrip("/"),
            credential_env=credential_env,
            credential=credential,
            channeldata=bool(entry.get("channeldata", True)),
            shards=bool(entry.get("shards", True)),
            crawl_shards=bool(entry.get("crawl_shards", True)),
            pypi_mapping=_data_file(name, entry, "pypi_mapping", base_dir),
            vex=_data_file(name, entry, "vex", base_dir),
            mirrors=_mirrors(name, entry),
        )
    return channels


def load_channels(
    path: Path, environ: Mapping[str, str], default_ttl: int = 300
) -> dict[str, ChannelConfig]:
    """Read and parse the channels config file at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ChannelConfigError(f"cannot read channels config {path}: {error}") from error
    return parse_channels(text, path.parent, environ, default_ttl)
