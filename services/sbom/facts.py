"""Gathering the facts an SBOM is made of, from the gateway's metadata API."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field

from common.errors import InvalidName
from common.errors import NotFound
from common.errors import UpstreamError
from common.metadata_client import MetadataClient
from common.names import split_file_name
from services.sbom import resolve

# What an SBOM cannot do without; a file lacking one of these gets 404 sbom_unavailable.
REQUIRED = ("name", "version", "build", "subdir", "sha256")
# The parts of a file entry an SBOM uses (the rest would only make the cache key churn).
FILE_FIELDS = (
    "filename",
    "name",
    "version",
    "build",
    "build_number",
    "subdir",
    "size",
    "md5",
    "sha256",
    "depends",
    "constrains",
    "license",
    "license_spdx",
    "noarch",
    "uploaded_at",
    "download_url",
)
PACKAGE_FIELDS = ("summary", "home", "dev_url", "doc_url", "created_at")
LOOKUP_THREADS = 8


@dataclass(frozen=True)
class Facts:
    """Everything one SBOM is generated from; the same facts always give the same SBOM."""

    channel: str
    subchannel: str | None
    file: dict
    package: dict = field(default_factory=dict)
    candidates: dict = field(default_factory=dict)  # dependency name -> files, or None
    cves: list = field(default_factory=list)
    # the gateway's /cves answer beyond the items: which database, whether the package is
    # covered by any source, and its identities (CPE names become SPDX security refs)
    vulns_database: dict = field(default_factory=dict)
    cve_covered: bool | None = None
    cve_identities: tuple = ()
    namespace_base: str = ""
    depth: int | None = 1  # 1: the file's own dependencies; None: all, transitively

    def key(self) -> str:
        """A hash of every fact, for the in-process cache."""
        text = json.dumps(asdict(self), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def graph(self) -> resolve.Graph:
        """The resolved dependency graph of the file."""
        return resolve.resolve_graph(
            self.file, self.candidates, self.file["subdir"], max_depth=self.depth
        )


def trim_file(entry: dict) -> dict:
    """Only the fields of a `/files` entry that an SBOM uses."""
    return {name: entry.get(name) for name in FILE_FIELDS}


def check_usable(file: dict) -> None:
    """Raise 404 `sbom_unavailable` when the file's metadata lacks what an SBOM needs."""
    missing = [name for name in REQUIRED if not file.get(name)]
    if missing:
        raise NotFound(
            f"no SBOM for {file.get('filename')!r}: its metadata has no {', '.join(missing)}",
            code="sbom_unavailable",
            details={"reason": f"missing {', '.join(missing)}"},
        )


def find_file(
    client: MetadataClient,
    channel: str,
    subchannel: str | None,
    subdir: str,
    filename: str,
    token: str | None,
) -> tuple[dict, dict]:
    """(the artifact, the file entry) or NotFound naming what is missing."""
    name = split_file_name(filename)[0]
    try:
        artifact = client.artifact(channel, name, subchannel, token)
    except NotFound as error:
        if error.code != "package_not_found":
            raise
        raise NotFound(
            f"file {filename!r} is not in channel {channel!r}: it has no package {name!r}",
            code="file_not_found",
        ) from None
    if subdir not in (artifact.get("platforms") or []):
        raise NotFound(
            f"package {name!r} of channel {channel!r} has no files for subdir {subdir!r}",
            code="subdir_not_found",
        )
    items = client.files(channel, name, subchannel, token, subdir=subdir, filename=filename)
    if not items:
        raise NotFound(f"file {filename!r} is not in {channel}/{subdir}", code="file_not_found")
    return artifact, items[0]


def _candidates(
    client: MetadataClient,
    channel: str,
    subchannel: str | None,
    name: str,
    subdir: str,
    token: str | None,
) -> list[dict] | None:
    """The files of dependency `name` usable from `subdir`; None when the channel lacks it."""
    try:
        items = client.files(channel, name, subchannel, token)
    except InvalidName:
        return None
    except NotFound as error:
        if error.code not in ("package_not_found", "not_found"):
            raise
        return None
    allowed = resolve.candidate_subdirs(subdir)
    usable = [trim_file(f) for f in items if f.get("subdir") in allowed]
    return sorted(usable, key=lambda f: (f["subdir"], f["filename"]))


def gather(
    client: MetadataClient,
    channel: str,
    subchannel: str | None,
    subdir: str,
    filename: str,
    token: str | None = None,
    namespace_base: str = "",
    depth: int | None = 1,
) -> Facts:
    """All facts for one file: the file, its package, its dependencies' files, its CVEs."""
    artifact, entry = find_file(client, channel, subchannel, subdir, filename, token)
    file = trim_file(entry)
    check_usable(file)
    candidates: dict[str, list[dict] | None] = {}
    with ThreadPoolExecutor(LOOKUP_THREADS) as pool:
        cves_future = pool.submit(
            client.cve_report, channel, file["name"], subchannel, token, filename=filename
        )
        while True:
            graph = resolve.resolve_graph(file, candidates, subdir, max_depth=depth)
            missing = sorted(graph.missing)
            if not missing:
                break
            found = pool.map(
                lambda n: _candidates(client, channel, subchannel, n, subdir, token), missing
            )
            candidates.update(zip(missing, found, strict=True))
        try:
            report = cves_future.result()
        except UpstreamError as error:
            if error.code != "vulns_unavailable":
                raise
            # the SBOM is still made, and says that its vulnerabilities could not be looked up
            report = {"database": {"error": error.message}}
    cves = report.get("items") or []
    return Facts(
        channel=channel,
        subchannel=subchannel,
        file=file,
        package={name: artifact.get(name) for name in PACKAGE_FIELDS},
        candidates=resolve.prune(candidates, graph),
        cves=[c for c in cves if _affects(c, filename)],
        vulns_database=report.get("database") or {},
        cve_covered=report.get("covered") if isinstance(report.get("covered"), bool) else None,
        cve_identities=tuple(report.get("identities") or ()),
        namespace_base=namespace_base,
        depth=depth,
    )


def _affects(cve: dict, filename: str) -> bool:
    """A CVE applies to the file when it lists no files or lists this one."""
    files = cve.get("affected_files") or []
    names = {f if isinstance(f, str) else (f.get("filename") or f.get("name")) for f in files}
    return not names or filename in names
