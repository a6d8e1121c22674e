"""Gathering the facts an SBOM is made of, from the gateway's metadata API."""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields

import orjson

from common import names
from common.errors import InvalidName
from common.errors import NotFound
from common.errors import UpstreamError
from common.errors import UpstreamInvalid
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
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
BATCH_SIZE = 500  # the metadata API's limit of specs per batch request
CONTENTS_AVAILABLE = "available"
# what an SBOM made without the package's contents lacks (it says so)
MISSING_WITHOUT_CONTENTS = "files, license texts, recipe sources, Python distributions, scripts"
CONTENTS_UNREADABLE = "unreadable now"  # the start of a degraded document's contents status


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
    # what is inside the file (the metadata API's /contents document), or None, and why not
    contents: dict | None = field(default=None, compare=False)
    contents_status: str = CONTENTS_AVAILABLE
    files: bool = True  # list the package's files as components (`?files=false`: not)
    whole: bool = False  # the archive was asked to be read whole (`?read=whole`)
    # who makes the SBOM (SBOM_CREATOR_NAME) and how to reach them (SBOM_CREATOR_CONTACT)
    creator_name: str = "conda-badges"
    creator_contact: str = ""

    def key(self) -> str:
        """A hash of every fact, for the in-process cache (the contents by their own digest)."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "contents"}
        values["contents"] = contents_digest(self.contents)
        text = orjson.dumps(values, option=orjson.OPT_SORT_KEYS, default=str)
        return hashlib.sha256(text).hexdigest()

    @property
    def degraded(self) -> bool:
        """Whether the contents could not be read now (a later request may read them)."""
        return self.contents_status.startswith(CONTENTS_UNREADABLE)

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


def contents_digest(contents: dict | None) -> str | None:
    """A digest of a contents document (equal documents, equal digests)."""
    if contents is None:
        return None
    return hashlib.sha256(orjson.dumps(contents, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _file_or_not_found(artifact_future, entry_future, channel: str, subdir: str, filename: str):
    """(the artifact, the file entry) or NotFound naming what is missing."""
    name = split_file_name(filename)[0]
    try:
        artifact = artifact_future.result()
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
    items = entry_future.result()
    if not items:
        raise NotFound(f"file {filename!r} is not in {channel}/{subdir}", code="file_not_found")
    return artifact, items[0]


def _files_of(client, channel, name, subchannel, token, subdir, filename) -> list[dict]:
    try:
        return client.files(channel, name, subchannel, token, subdir=subdir, filename=filename)
    except NotFound as error:
        if error.code in ("package_not_found", "file_not_found"):
            return []
        raise


def _contents(client, channel, name, subchannel, token, subdir, filename, whole=False):
    """(the contents document, "available"), or (None, why not) when the archive is not there
    or cannot be read now (the SBOM is then made from the package's record, and says so).

    An archive that does not match its repodata (502 `archive_digest_mismatch`) is an error:
    the SBOM is refused rather than made without its contents.
    """
    try:
        return client.contents(channel, name, subdir, filename, subchannel, token, whole), (
            CONTENTS_AVAILABLE
        )
    except NotFound as error:
        if error.code not in ("contents_unavailable", "file_not_found"):
            raise
        return None, f"unavailable: {error.message}"
    except UpstreamInvalid:
        raise
    except UpstreamError as error:
        return None, f"{CONTENTS_UNREADABLE} ({error.code}): {error.message}"


def _lookup_specs(graph: resolve.Graph, missing: list[str]) -> dict[str, list[str]]:
    """name -> the specs to look up for it (those that name a valid package)."""
    wanted: dict[str, list[str]] = {name: [] for name in missing}
    for node in graph.nodes.values():
        if node.name in wanted and node.reason == resolve.NOT_FETCHED:
            wanted[node.name].extend(s for s in node.specs if s not in wanted[node.name])
    return wanted


def _valid_name(name: str) -> bool:
    try:
        names.package_name(name)
    except InvalidName:
        return False
    return True


def batch_candidates(
    client: MetadataClient,
    channel: str,
    subchannel: str | None,
    wanted: dict[str, list[str]],
    subdir: str,
    token: str | None,
) -> dict[str, list[dict] | None]:
    """Candidate files for many dependencies in one metadata call (per 500 specs).

    A name the channel lacks (or that cannot be a package name) maps to None. For each spec
    the gateway sends only the file the resolver would choose (`select: best`, the same
    preference): the best match among those is the best match among all of the package's files.
    """
    found: dict[str, list[dict] | None] = {}
    queries = []
    for name, spec_list in wanted.items():
        if not _valid_name(name) or not spec_list:
            found[name] = None
        else:
            queries.extend(spec_list)
    for start in range(0, len(queries), BATCH_SIZE):
        chunk = queries[start : start + BATCH_SIZE]
        for item in client.batch_files(channel, chunk, subdir, subchannel, token, select="best"):
            name = item["name"]
            if not item["found"]:
                found[name] = None
                continue
            known = found.get(name) or []
            seen = {(f["subdir"], f["filename"]) for f in known}
            known += [
                trim_file(f) for f in item["files"] if (f["subdir"], f["filename"]) not in seen
            ]
            found[name] = known
    for files in found.values():
        if files is not None:
            files.sort(key=lambda f: (f["subdir"], f["filename"]))
    return found


def _pool() -> ThreadPoolExecutor:
    """One pool of look-up threads per process (made after gunicorn forks, on first use)."""
    global _POOL
    if _POOL is None:
        with _POOL_LOCK:
            if _POOL is None:
                _POOL = ThreadPoolExecutor(4 * LOOKUP_THREADS, thread_name_prefix="sbom-lookup")
    return _POOL


def gather(
    client: MetadataClient,
    channel: str,
    subchannel: str | None,
    subdir: str,
    filename: str,
    token: str | None = None,
    namespace_base: str = "",
    depth: int | None = 1,
    files: bool = True,
    whole: bool = False,
) -> Facts:
    """All facts for one file: the file, its package, its contents, its dependencies' files
    (one batch call per level of the graph), its CVEs. Independent calls run at once."""
    name = split_file_name(filename)[0]
    candidates: dict[str, list[dict] | None] = {}
    pool = _pool()
    # the look-ups of one request run at once, in the process's shared pool
    artifact_future = pool.submit(client.artifact, channel, name, subchannel, token)
    entry_future = pool.submit(
        _files_of, client, channel, name, subchannel, token, subdir, filename
    )
    cves_future = pool.submit(
        client.cve_report, channel, name, subchannel, token, filename=filename
    )
    contents_future = pool.submit(
        _contents, client, channel, name, subchannel, token, subdir, filename, whole
    )
    entries = entry_future.result()
    if not entries:  # the package's or the subdir's absence says more: ask the artifact
        _file_or_not_found(artifact_future, entry_future, channel, subdir, filename)
    file = trim_file(entries[0])
    check_usable(file)
    # the dependencies are looked up at once, while the package, CVEs and contents arrive
    while True:
        graph = resolve.resolve_graph(file, candidates, subdir, max_depth=depth)
        missing = sorted(graph.missing)
        if not missing:
            break
        wanted = _lookup_specs(graph, missing)
        candidates.update(batch_candidates(client, channel, subchannel, wanted, subdir, token))
    artifact, _ = _file_or_not_found(artifact_future, entry_future, channel, subdir, filename)
    try:
        report = cves_future.result()
    except UpstreamError as error:
        if error.code != "vulns_unavailable":
            raise
        # the SBOM is still made, and says that its vulnerabilities could not be looked up
        report = {"database": {"error": error.message}}
    cves = report.get("items") or []
    contents, contents_status = contents_future.result()
    return Facts(
        channel=channel,
        subchannel=subchannel,
        file=file,
        package={name: artifact.get(name) for name in PACKAGE_FIELDS},
        candidates=resolve.prune(candidates, graph),
        cves=[c for c in cves if _affects(c, subdir, filename)],
        vulns_database=report.get("database") or {},
        cve_covered=report.get("covered") if isinstance(report.get("covered"), bool) else None,
        cve_identities=tuple(report.get("identities") or ()),
        namespace_base=namespace_base,
        depth=depth,
        contents=contents,
        contents_status=contents_status,
        files=files,
        whole=whole,
    )


def _affects(cve: dict, subdir: str, filename: str) -> bool:
    """A CVE applies to the file when it lists no files or lists this one (`<subdir>/<filename>`;
    a bare file name, from an older upstream, matches that name in any subdir)."""
    files = cve.get("affected_files") or []
    names = {f if isinstance(f, str) else (f.get("filename") or f.get("name")) for f in files}
    return not names or f"{subdir}/{filename}" in names or filename in names
