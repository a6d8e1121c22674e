"""What every upstream driver produces: packages and their files, upstream-neutral."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field


@dataclass(frozen=True, slots=True)
class PackageFile:
    """One package file (a `.conda` or `.tar.bz2`) in one subdir."""

    filename: str
    name: str
    version: str
    build: str
    build_number: int
    subdir: str
    size: int | None
    md5: str | None
    sha256: str | None
    depends: tuple[str, ...] = ()
    constrains: tuple[str, ...] = ()
    license: str | None = None
    noarch: str | None = None
    uploaded_at: float | None = None  # seconds since the epoch, UTC
    download_count: int | None = None
    download_url: str | None = None
    labels: tuple[str, ...] = ()
    # the record's own `subdir` when it disagrees with the folder the file is served from
    record_subdir: str | None = None


@dataclass(frozen=True, slots=True)
class PackageInfo:
    """A package in a channel: its descriptive facts and all of its files."""

    name: str
    files: tuple[PackageFile, ...]
    summary: str | None = None
    description: str | None = None
    license: str | None = None
    home: str | None = None
    dev_url: str | None = None
    doc_url: str | None = None
    upstream_created_at: float | None = None
    upstream_updated_at: float | None = None
    extra: dict = field(default_factory=dict, compare=False)
