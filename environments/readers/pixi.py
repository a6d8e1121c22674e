"""pixi.lock (format versions 6 and 7), read with py-rattler's LockFile."""

from __future__ import annotations

import os
import tempfile

import rattler

from environments.errors import LockError
from environments.model import CONDA
from environments.model import PYPI
from environments.model import LockedPackage
from environments.readers.urls import split_url

SUPPORTED = (6, 7)


def _hex(value) -> str | None:
    if value is None:
        return None
    return value.hex() if isinstance(value, bytes | bytearray) else str(value).lower()


def _conda(package) -> LockedPackage:
    if isinstance(package, rattler.CondaLockedSourcePackage):
        record = package.package_record
        record = record() if callable(record) else record
        return LockedPackage(
            CONDA,
            record.name.normalized,
            str(record.version),
            build=str(record.build),
            subdir=record.subdir,
            depends=tuple(record.depends),
            license=record.license,
        )
    record = package.repo_data_record()
    channel, subdir, filename = split_url(record.url)
    return LockedPackage(
        CONDA,
        record.name.normalized,
        str(record.version),
        url=record.url,
        sha256=_hex(record.sha256),
        md5=_hex(record.md5),
        build=str(record.build),
        subdir=record.subdir or subdir,
        filename=filename,
        depends=tuple(record.depends),
        license=record.license,
        channel_url=channel,
    )


def _pypi(package) -> LockedPackage:
    hashes = package.hashes
    return LockedPackage(
        PYPI,
        package.name,
        str(package.version),
        url=str(package.location),
        sha256=_hex(getattr(hashes, "sha256", None)),
        md5=_hex(getattr(hashes, "md5", None)),
        depends=tuple(package.requires_dist or ()),
    )


def _package(package) -> LockedPackage:
    if isinstance(package, rattler.PypiLockedPackage):
        return _pypi(package)
    return _conda(package)


def read_pixi(data: bytes, version: int) -> dict[str, dict[str, tuple[LockedPackage, ...]]]:
    """Every environment and platform of a pixi.lock, as locked packages."""
    if version not in SUPPORTED:
        raise LockError(
            f"pixi.lock format version {version} is not supported (versions 6 and 7 are); "
            "run `pixi lock` with a current pixi to rewrite it"
        )
    handle, path = tempfile.mkstemp(suffix=".lock")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        try:
            lock = rattler.LockFile.from_path(path)
            environments = list(lock.environments())
        except Exception as error:  # py-rattler raises its own error types; the text says why
            message = str(error).replace(path, "pixi.lock").splitlines()[0][:300]
            raise LockError(f"pixi.lock cannot be read: {message}") from None
        return {
            name: {
                platform.name: tuple(_package(p) for p in packages)
                for platform, packages in sorted(
                    env.packages_by_platform().items(), key=lambda item: item[0].name
                )
            }
            for name, env in sorted(environments, key=lambda e: (e[0] != "default", e[0]))
        }
    finally:
        os.unlink(path)
