"""conda-lock.yml (unified format, version 1): conda and pip entries per platform."""

from __future__ import annotations

from environments.errors import LockError
from environments.model import CONDA
from environments.model import PYPI
from environments.model import LockedPackage
from environments.readers.urls import split_filename
from environments.readers.urls import split_url


def _depends(entry: dict) -> tuple[str, ...]:
    deps = entry.get("dependencies") or {}
    if not isinstance(deps, dict):
        raise LockError(
            f"conda-lock.yml: {entry.get('name')!r} has dependencies that are not a map"
        )
    return tuple(f"{name} {spec}".strip() if spec else str(name) for name, spec in deps.items())


def _entry(entry: dict) -> LockedPackage | None:
    try:
        name, version, url = str(entry["name"]), str(entry["version"]), str(entry["url"])
    except (KeyError, TypeError):
        raise LockError("conda-lock.yml: a package entry lacks name, version or url") from None
    digest = entry.get("hash") or {}
    sha256, md5 = digest.get("sha256") or None, digest.get("md5") or None
    if entry.get("manager", "conda") == "pip":
        return LockedPackage(PYPI, name, version, url, sha256, md5, depends=_depends(entry))
    if name.startswith("__"):
        return None  # a virtual package conda-lock leaked into the lock: nothing is installed
    channel, subdir, filename = split_url(url)
    _, _, build = split_filename(filename)
    return LockedPackage(
        CONDA,
        name,
        version,
        url,
        sha256,
        md5,
        build=build,
        subdir=subdir,
        filename=filename,
        depends=_depends(entry),
        channel_url=channel,
    )


def read_conda_lock(document: dict) -> dict[str, dict[str, tuple[LockedPackage, ...]]]:
    """The one environment (`default`) of a conda-lock.yml, per platform."""
    if document.get("version") != 1:
        raise LockError(
            f"conda-lock.yml version {document.get('version')!r} is not supported (version 1 "
            "is); run `conda-lock` 2 or later to rewrite it"
        )
    entries = document.get("package")
    platforms = (document.get("metadata") or {}).get("platforms") or []
    if not isinstance(entries, list) or not isinstance(platforms, list):
        raise LockError("conda-lock.yml has no `package` list or no `metadata.platforms`")
    found: dict[str, list[LockedPackage]] = {str(p): [] for p in platforms}
    for entry in entries:
        if not isinstance(entry, dict):
            raise LockError("conda-lock.yml: a package entry is not a map")
        platform = str(entry.get("platform", ""))
        if platform not in found:
            raise LockError(f"conda-lock.yml: platform {platform!r} is not in metadata.platforms")
        package = _entry(entry)
        if package is not None:
            found[platform].append(package)
    return {"default": {p: tuple(pkgs) for p, pkgs in sorted(found.items())}}
