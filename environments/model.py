"""What a lockfile says: environments, platforms and the packages locked in each."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

CONDA = "conda"
PYPI = "pypi"


@dataclass(frozen=True)
class LockedPackage:
    """One locked package as the lock states it (conda file or PyPI distribution)."""

    kind: str  # CONDA or PYPI
    name: str
    version: str
    url: str = ""  # "" for a local source package
    sha256: str | None = None
    md5: str | None = None
    build: str = ""
    subdir: str = ""
    filename: str = ""
    depends: tuple[str, ...] = ()
    license: str | None = None
    channel_url: str = ""  # the channel part of a conda URL (before `/<subdir>/<file>`)

    @property
    def key(self) -> str:
        """A stable identifier of the package within one environment and platform."""
        if self.kind == PYPI:
            return f"pypi:{self.name}@{self.version}"
        return f"conda:{self.subdir}/{self.filename or self.name}"


@dataclass(frozen=True)
class Lock:
    """A read lockfile: `environments[env][platform]` is the tuple of its packages."""

    format: str  # e.g. "pixi.lock v7", "conda-lock.yml v1", "explicit", "conda-meta"
    sha256: str
    environments: dict[str, dict[str, tuple[LockedPackage, ...]]] = field(default_factory=dict)

    @property
    def package_count(self) -> int:
        """Locked packages counted once per environment and platform."""
        return sum(len(p) for env in self.environments.values() for p in env.values())

    def selection(self) -> list[dict]:
        """Every environment with its platforms and package counts (for pickers)."""
        return [
            {"name": env, "platforms": {p: len(pkgs) for p, pkgs in sorted(plats.items())}}
            for env, plats in self.environments.items()
        ]
