"""Repodata records (from repodata.json, a shard or the host index) as PackageFile objects."""

from __future__ import annotations

from gateway.models import PackageFile


def timestamp_seconds(value: object) -> float | None:
    """Repodata timestamps are seconds or milliseconds since the epoch; return seconds."""
    if not isinstance(value, int | float) or value <= 0:
        return None
    return value / 1000.0 if value > 1e11 else float(value)


def _noarch(value: object) -> str | None:
    if value in (None, False, ""):
        return None
    return "generic" if value is True else str(value)


def _hex(value: object) -> str | None:
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    return value if isinstance(value, str) and value else None


def is_record(record: object) -> bool:
    """Whether a repodata entry has what a package file needs (a name and a version)."""
    return isinstance(record, dict) and "name" in record and "version" in record


def package_file(
    filename: str, record: dict, folder: str, download_base: str | None
) -> PackageFile:
    """One package file, addressed by the subdir `folder` it is served from.

    A record whose own `subdir` disagrees with its folder (a legacy package indexed without
    one gets "unknown") keeps that value as `record_subdir`, a note, never as its address.
    """
    claimed = record.get("subdir")
    return PackageFile(
        filename=filename,
        name=str(record["name"]),
        version=str(record["version"]),
        build=str(record.get("build", "")),
        build_number=int(record.get("build_number") or 0),
        subdir=folder,
        size=record.get("size"),
        md5=_hex(record.get("md5")),
        sha256=_hex(record.get("sha256")),
        depends=tuple(record.get("depends") or ()),
        constrains=tuple(record.get("constrains") or ()),
        license=record.get("license"),
        noarch=_noarch(record.get("noarch")),
        uploaded_at=timestamp_seconds(record.get("timestamp")),
        download_url=f"{download_base.rstrip('/')}/{filename}" if download_base else None,
        record_subdir=str(claimed) if claimed and claimed != folder else None,
    )
