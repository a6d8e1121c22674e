"""Package files beyond their repodata: where an archive lives (for its contents), and batch
look-ups of many match specs at once (what an SBOM needs for its dependencies)."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from urllib.parse import quote
from urllib.parse import urlencode

from cachetools import LRUCache

from common import names
from common import specs
from common.channels import ChannelConfig
from common.errors import InvalidParameter
from common.errors import NotFound
from common.upstream_budget import UpstreamBudgetExhausted
from contents import ArchiveRef
from gateway import artifacts
from gateway.models import PackageFile
from gateway.models import PackageInfo
from gateway.upstream import UpstreamMissing

MAX_SPECS = 500
MAX_SPEC_LENGTH = 255
BATCH_KEYS = {"specs", "subdir", "select"}
SELECT = ("all", "best")
CACHE_ENTRIES = 8192


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


def contents_document(
    driver,
    info: PackageInfo,
    service,
    subchannel: str | None,
    subdir: str,
    filename: str,
    mode: str | None = None,
) -> dict:
    """The contents of one of the package's files (the driver's channel access was checked);
    `mode` `full` reads the archive whole where ranges would do."""
    names.subdir_name(subdir)
    names.file_name(filename)
    file = find_file(info, subdir, filename)
    config = driver.channel
    label = f"{config.name}/{subdir}/{filename}"
    if config.driver == "platform":
        url = upstream_contents_url(config, subchannel, info.name, subdir, filename)
        return upstream_contents(driver.fetcher, url, config, label)
    url = archive_url(config, subchannel, file)
    if not url or not file.sha256:
        raise NotFound(
            f"the contents of {label!r} are unavailable: "
            + ("the upstream gives no download URL" if not url else "repodata has no sha256"),
            code="contents_unavailable",
        )
    ref = ArchiveRef(url, filename, file.sha256, file.size, credential=config.credential)
    return service.get(ref, label, mode)


def find_file(info: PackageInfo, subdir: str, filename: str) -> PackageFile:
    """The package's file `filename` in `subdir`, or 404 `file_not_found`."""
    for file in info.files:
        if file.subdir == subdir and file.filename == filename:
            return file
    raise NotFound(
        f"file {filename!r} of package {info.name!r} is not in subdir {subdir!r}",
        code="file_not_found",
    )


def load_batch_body(raw: bytes) -> object:
    """The JSON of a batch request body, or a 400 `invalid_parameter` (not JSON, or nested
    deeper than the parser's recursion limit)."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError too
        raise InvalidParameter('the body must be JSON: {"specs": [...], "subdir": ...}') from None


def parse_batch(body: object) -> tuple[list[str], str | None, str]:
    """(specs, subdir, select) from a batch request body, or a 400 saying what is wrong."""
    if not isinstance(body, Mapping):
        raise InvalidParameter('the body must be a JSON object: {"specs": [...], "subdir": ...}')
    unknown = sorted(set(body) - BATCH_KEYS)
    if unknown:
        raise InvalidParameter(
            f"unknown field(s) {', '.join(unknown)}; allowed: specs, subdir, select"
        )
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
    select = body.get("select", "all")
    if select not in SELECT:
        raise InvalidParameter(
            "select must be all (every matching file) or best (the one a "
            "solver would prefer: highest version, then build number)"
        )
    return found, subdir, select


class _SpecCache:
    """Answers per (package, spec, subdir, select); a package is its PackageInfo object, which
    a driver replaces when its upstream changes, so a stale answer is never found."""

    def __init__(self, entries: int = CACHE_ENTRIES):
        self._items: LRUCache[tuple, tuple[PackageInfo, list[dict]]] = LRUCache(maxsize=entries)
        self._lock = threading.Lock()

    def get(self, info: PackageInfo, key: tuple) -> list[dict] | None:
        with self._lock:
            found = self._items.get((id(info), *key))
            if found is None or found[0] is not info:  # an id can be reused after a rebuild
                return None
            return found[1]

    def put(self, info: PackageInfo, key: tuple, files: list[dict]) -> None:
        with self._lock:
            self._items[(id(info), *key)] = (info, files)


_CACHE = _SpecCache()


def matching_files(info: PackageInfo, spec: str, subdir: str | None, select: str) -> list[dict]:
    """The package's files matching `spec` (usable from `subdir`), all or the preferred one."""
    key = (spec, subdir, select)
    found = _CACHE.get(info, key)
    if found is not None:
        return found
    allowed = specs.candidate_subdirs(subdir) if subdir else None
    usable = [f for f in info.files if allowed is None or f.subdir in allowed]
    if not specs.is_bare_name(spec):
        parsed = specs.parse_spec(spec)
        usable = [
            f
            for f in usable
            if specs.matches(parsed, f.name, f.version, f.build, f.build_number, f.subdir)
        ]
    if select == "best" and usable:
        usable = [
            max(usable, key=lambda f: specs.preference(f.version, f.build_number, f.filename))
        ]
    found = [artifacts.file_entry(f) for f in usable]
    _CACHE.put(info, key, found)
    return found


DEFERRED = object()  # a name this request had no upstream requests left to look up


def packages(driver, wanted: list[str], subchannel: str | None) -> dict[str, object]:
    """name -> the package, None when the channel lacks it, or DEFERRED when this request's
    upstream budget (common/upstream_budget.py) ran out before the name could be looked up."""
    found: dict[str, object] = {}
    names_left = list(dict.fromkeys(wanted))
    for index, name in enumerate(names_left):
        try:
            found[name] = driver.package(name, subchannel)
        except UpstreamBudgetExhausted:
            found.update(dict.fromkeys(names_left[index:], DEFERRED))
            break
        except NotFound as error:
            if error.code not in ("package_not_found", "not_found"):
                raise
            found[name] = None
    return found


def resolve_batch(
    driver, subchannel: str | None, spec_list: list[str], subdir: str | None, select: str = "all"
) -> list[dict]:
    """One item per spec: the package's files that match it (usable from `subdir` when given:
    that subdir and noarch; only the preferred file with `select="best"`), or not found."""
    items = []
    found = packages(driver, [specs.spec_name(spec) for spec in spec_list], subchannel)
    for spec in spec_list:
        name = specs.spec_name(spec)
        info = found[name]
        if info is DEFERRED:  # not looked up: ask again (the names looked up are cached)
            items.append({"spec": spec, "name": name, "found": None, "deferred": True, "files": []})
            continue
        if info is None:
            items.append({"spec": spec, "name": name, "found": False, "files": []})
            continue
        files = matching_files(info, spec, subdir, select)
        items.append({"spec": spec, "name": name, "found": True, "files": files})
    return items
