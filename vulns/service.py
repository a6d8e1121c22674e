"""The service object the gateway holds: database + each channel's mapping and curation."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cachetools import FIFOCache

from vulns.build import BuildError
from vulns.build import load_mapping
from vulns.curation import Curation
from vulns.curation import CurationError
from vulns.curation import load_curation
from vulns.database import MISSING
from vulns.database import Database
from vulns.database import DatabaseUnavailable
from vulns.database import Snapshot
from vulns.identities import identities as identities_of
from vulns.identities import kind
from vulns.natives import default_bridge
from vulns.natives import not_covered_reason
from vulns.report import FileFacts
from vulns.report import FileRef
from vulns.report import PackageReport
from vulns.report import build_report
from vulns.report import finding
from vulns.report import matched_ids
from vulns.report import score_in
from vulns.report import summarize
from vulns.watched import NotLoaded
from vulns.watched import WatchedFile

log = logging.getLogger(__name__)
CACHE_SIZE = 65536


class ChannelDataError(RuntimeError):
    """A channel's own mapping or OpenVEX file cannot be used."""


@dataclass(frozen=True)
class ChannelSources:
    """What a channel adds to matching: its own conda→PyPI mapping and its OpenVEX curation."""

    name: str
    pypi_mapping: Path | None = None
    vex: Path | None = None


class VulnService:
    """CVE facts for package files of a channel, from the database named by `VULNS_DB`."""

    def __init__(self, path: Path, check_interval: float = 2.0, clock=time.monotonic):
        self.database = Database(path, check_interval, clock)
        self.check_interval, self.clock = check_interval, clock
        self._watched: dict[tuple[str, Path], WatchedFile] = {}
        # oldest stored first out (a read does not renew an entry)
        self._facts: FIFOCache[tuple, FileFacts] = FIFOCache(maxsize=CACHE_SIZE)
        self._lock = threading.Lock()

    def snapshot(self) -> Snapshot:
        """The current database snapshot (raises DatabaseUnavailable)."""
        return self.database.snapshot()

    def info(self) -> dict | None:
        """The current database's version, digest and build date, or None without one."""
        try:
            return self.snapshot().info()
        except DatabaseUnavailable:
            return None

    def _load(self, what: str, path: Path, loader, errors) -> tuple:
        key = (what, path)
        watched = self._watched.get(key)
        if watched is None:
            with self._lock:
                watched = self._watched.setdefault(
                    key, WatchedFile(path, loader, errors, self.check_interval, self.clock)
                )
        try:
            return watched.get()
        except NotLoaded as error:
            raise ChannelDataError(str(error)) from None

    def curation(self, channel: ChannelSources) -> tuple[Curation | None, tuple]:
        """The channel's curation (None when it has no OpenVEX file) and its file stamp."""
        if channel.vex is None:
            return None, ()
        return self._load("vex", channel.vex, load_curation, (CurationError,))

    def identities(self, snapshot: Snapshot, channel: ChannelSources, name: str) -> tuple:
        """(identities of the package, the mapping's answer) for a channel."""
        if channel.pypi_mapping is not None:
            mapping, _ = self._load("mapping", channel.pypi_mapping, load_mapping, (BuildError,))
            answer = mapping.get(name, MISSING)
        else:
            answer = snapshot.pypi_name(name)
        return identities_of(name, lambda _: answer), answer

    def coverage(self, snapshot: Snapshot, channel: ChannelSources, name: str):
        """(identities, covered, reason when not covered)."""
        found, answer = self.identities(snapshot, channel, name)
        if not found:
            reason = (
                f"{name!r} has no PyPI name in the conda-to-PyPI mapping (it marks it "
                "non-Python), is not an R package and has no CPE entry"
                if answer is None
                else f"{name!r} is not in the conda-to-PyPI mapping, is not an R package "
                "and has no CPE entry"
            )
            bridged = not_covered_reason(default_bridge(), name)
            return found, False, f"{reason}; the CPE bridge: {bridged}" if bridged else reason
        if not any(snapshot.covers(kind(i)) for i in found):
            kinds = ", ".join(sorted({kind(i) for i in found}))
            return found, False, f"the vulnerability database has no {kinds} data"
        return found, True, None

    def _file_facts(
        self,
        snapshot: Snapshot,
        curation: Curation | None,
        stamp: tuple,
        found: tuple[str, ...],
        file: FileRef,
    ) -> FileFacts:
        key = (snapshot.digest, stamp, found, file.filename, file.version, file.build, file.subdir)
        with self._lock:  # cachetools' caches are not thread-safe
            cached = self._facts.get(key)
        if cached is not None:
            return cached
        ids = matched_ids(snapshot, found, file)
        facts = summarize([finding(snapshot, curation, i, file) for i in ids], score_in(snapshot))
        with self._lock:
            self._facts[key] = facts
        return facts

    def package_report(
        self, channel: ChannelSources, name: str, files: Sequence[FileRef]
    ) -> PackageReport:
        """The CVEs of a package's files (raises DatabaseUnavailable / ChannelDataError)."""
        snapshot = self.snapshot()
        found, covered, reason = self.coverage(snapshot, channel, name)
        curation, stamp = self.curation(channel) if covered else (None, ())
        return build_report(
            snapshot,
            found,
            covered,
            files,
            lambda f: self._file_facts(snapshot, curation, stamp, found, f),
            reason,
            curation.source if curation else None,
        )

    def file_facts(self, channel: ChannelSources, file: FileRef) -> FileFacts:
        """The CVE facts of one file (score, count, status, findings)."""
        snapshot = self.snapshot()
        found, covered, _ = self.coverage(snapshot, channel, file.name)
        if not covered:
            return FileFacts(covered=False)
        curation, stamp = self.curation(channel)
        return self._file_facts(snapshot, curation, stamp, found, file)
