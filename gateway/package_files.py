"""Package files beyond their repodata: where an archive lives (for its contents), and batch
look-ups of many match specs at once (what an SBOM needs for its dependencies)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote
from urllib.parse import urlencode

from common import names
from common import specs
from common.channels import ChannelConfig
from common.errors import InvalidParameter
from common.errors import NotFound
from gateway import artifacts
from gateway.models import PackageFile
from gateway.models import PackageInfo
from gateway.upstream import UpstreamMissing

MAX_SPECS = 500
MAX_SPEC_LENGTH = 255
BATCH_KEYS = {"specs", "subdir"}


def archive_url(channel: ChannelConfig, subchannel: str | None, file: PackageFile) -> str | None:
    """Where the archive can be read: the channel's own folder or server for `conda`
    channels (file:// included), else the download URL the upstream gives."""
    if channel.driver == "conda":
        label = f"/label/{quote(subchannel, safe='')}" if subchannel else ""
        return f"{channel.url}{label}/{quote(file.subdir, safe='')}/{quote(file.filename, safe='')}"
    return file.download_url


def upstream_contents_url(
    channel: ChannelConfig, subchannel: str | None, name: str, subdir: str, filename: str
) -> str:
    """The contents endpoint of an upstream gateway (`platform` channels ask it instead)."""
    path = f"/api/channels/{quote(channel.upstream_channel, safe='')}"
    if subchannel:
        path += f"/subchannels/{quote(subchannel, safe='')}"
    path += f"/artifacts/conda/{quote(name, safe='')}/contents"
    return (
        channel.url.rstrip("/") + path + "?" + urlencode({"subdir": subdir, "filename": filename})
    )


def upstream_contents(fetcher, url: str, channel: ChannelConfig, label: str) -> dict:
    """The contents document an upstream gateway serves (it read and verified the archive)."""
    try:
        document, _ = fetcher.get(
            url,
            ttl=channel.ttl,
            channel=channel.name,
            parse=lambda d: d,
            credential=channel.credential,
            auth_scheme="Bearer",
        )
    except UpstreamMissing:
        raise NotFound(
            f"the contents of {label!r} are unavailable upstream", code="contents_unavailable"
        ) from None
    keep = {k: v for k, v in document.items() if k not in ("channel", "subchannel")}
    keep["notes"] = [*keep.get("notes", []), "read by the upstream gateway of this channel"]
    return keep


def find_file(info: PackageInfo, subdir: str, filename: str) -> PackageFile:
    """The package's file `filename` in `subdir`, or 404 `file_not_found`."""
    for file in info.files:
        if file.subdir == subdir and file.filename == filename:
            return file
    raise NotFound(
        f"file {filename!r} of package {info.name!r} is not in subdir {subdir!r}",
        code="file_not_found",
    )


def parse_batch(body: object) -> tuple[list[str], str | None]:
    """(specs, subdir) from a batch request body, or a 400 saying exactly what is wrong."""
    if not isinstance(body, Mapping):
        raise InvalidParameter('the body must be a JSON object: {"specs": [...], "subdir": ...}')
    unknown = sorted(set(body) - BATCH_KEYS)
    if unknown:
        raise InvalidParameter(f"unknown field(s) {', '.join(unknown)}; allowed: specs, subdir")
    raw = body.get("specs")
    if not isinstance(raw, list) or not raw:
        raise InvalidParameter("specs must be a non-empty list of match specs or package names")
    if len(raw) > MAX_SPECS:
        raise InvalidParameter(f"at most {MAX_SPECS} specs per request (got {len(raw)})")
    found = []
    for index, spec in enumerate(raw):
        if not isinstance(spec, str) or not spec.strip():
            raise InvalidParameter(f"specs[{index}] must be a non-empty string")
        if len(spec) > MAX_SPEC_LENGTH or any(ord(ch) < 32 for ch in spec):
            raise InvalidParameter(
                f"specs[{index}] must be at most {MAX_SPEC_LENGTH} printable characters"
            )
        parsed = specs.parse_spec(spec.strip())
        if parsed is None or parsed.name is None:
            raise InvalidParameter(f"specs[{index}] {spec!r} is not a valid match spec")
        names.package_name(specs.spec_name(spec.strip()))
        found.append(spec.strip())
    subdir = body.get("subdir")
    if subdir is not None:
        if not isinstance(subdir, str):
            raise InvalidParameter("subdir must be a string such as linux-64 or noarch")
        names.subdir_name(subdir)
    return found, subdir


def resolve_batch(driver, subchannel: str | None, spec_list: list[str], subdir: str | None):
    """One item per spec: the package's files that match it (usable from `subdir` when given:
    that subdir and noarch), or `package_not_found`."""
    allowed = specs.candidate_subdirs(subdir) if subdir else None
    items = []
    for spec in spec_list:
        name = specs.spec_name(spec)
        try:
            info = driver.package(name, subchannel)
        except NotFound as error:
            if error.code not in ("package_not_found", "not_found"):
                raise
            items.append({"spec": spec, "name": name, "found": False, "files": []})
            continue
        parsed = specs.parse_spec(spec)
        files = [
            artifacts.file_entry(f)
            for f in info.files
            if (allowed is None or f.subdir in allowed)
            and specs.matches(parsed, f.name, f.version, f.build, f.build_number, f.subdir)
        ]
        items.append({"spec": spec, "name": name, "found": True, "files": files})
    return items
