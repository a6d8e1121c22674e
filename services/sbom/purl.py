"""Package URLs for conda package files, per the purl spec's `conda` type (built only here)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from packageurl import PackageURL


def channel_qualifier(channel: str, subchannel: str | None) -> str:
    """The `channel` qualifier: the channel name, or `<channel>/label/<label>` for a label."""
    return f"{channel}/label/{subchannel}" if subchannel else channel


def package_type(filename: str) -> str:
    """The `type` qualifier: `conda` or `tar.bz2`, from the file name."""
    return "conda" if filename.endswith(".conda") else "tar.bz2"


@lru_cache(maxsize=65536)
def conda_purl(
    name: str, version: str, build: str, subdir: str, filename: str, channel: str
) -> str:
    """`pkg:conda/<name>@<version>?build=..&channel=..&subdir=..&type=conda|tar.bz2`."""
    qualifiers = {
        "build": build,
        "channel": channel,
        "subdir": subdir,
        "type": package_type(filename),
    }
    return PackageURL(type="conda", name=name, version=version, qualifiers=qualifiers).to_string()


def file_purl(file: Mapping, channel: str, subchannel: str | None) -> str:
    """The purl of one package file entry (as the metadata API's `/files` returns it)."""
    return conda_purl(
        file["name"],
        file["version"],
        file["build"],
        file["subdir"],
        file["filename"],
        channel_qualifier(channel, subchannel),
    )


@lru_cache(maxsize=65536)
def parsed(purl: str) -> PackageURL:
    """The PackageURL object for a purl string (the CycloneDX model wants one)."""
    return PackageURL.from_string(purl)
