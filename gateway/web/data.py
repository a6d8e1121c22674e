"""What the pages show, read from the gateway's own catalog with the request's token."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from common import names
from common.errors import VulnsUnavailable
from common.versions import version_key
from gateway import artifacts
from gateway import cve_query
from gateway import cves
from gateway import package_files
from gateway.access import readable_channel
from gateway.access import visible_channels
from gateway.catalog import Catalog
from gateway.drivers import Driver

PAGE_SIZE = 25


@dataclass(frozen=True)
class SearchPage:
    """One page of search results."""

    channel: str
    query: str
    items: list[dict]
    total: int
    offset: int
    limit: int = PAGE_SIZE

    @property
    def next_offset(self) -> int | None:
        """The offset of the next page, or None on the last page."""
        following = self.offset + self.limit
        return following if following < self.total else None

    @property
    def previous_offset(self) -> int | None:
        """The offset of the previous page, or None on the first page."""
        return max(self.offset - self.limit, 0) if self.offset > 0 else None


def _catalog() -> Catalog:
    return current_app.extensions["catalog"]


def driver_for(channel: str) -> Driver:
    """The channel's driver, after the same name and access checks as the API."""
    names.channel_name(channel)
    readable_channel(_catalog(), channel, None)
    return _catalog().driver(channel)


def is_private(channel: str) -> bool:
    """Whether `channel` is a configured private channel."""
    config = _catalog().channels.get(channel)
    return bool(config and config.private)


def check_package(channel: str, name: str) -> None:
    """Raise unless the package exists in a channel this request may read."""
    driver = driver_for(channel)
    names.package_name(name)
    driver.package(name, None)


def public_channels() -> list[dict]:
    """The channels anyone may see, as `{"name", "title"}`."""
    return [
        {"name": c.name, "title": c.title} for c in _catalog().channels.values() if not c.private
    ]


def readable_channels() -> list[dict]:
    """The channels this request may see (private ones only with a token for them)."""
    return [
        {"name": c.name, "title": c.title, "private": c.private}
        for c in visible_channels(list(_catalog().channels.values()))
    ]


def search(channel: str, query: str, offset: int) -> SearchPage:
    """Packages of `channel` whose names contain `query`, one page from `offset`."""
    driver = driver_for(channel)
    items, total = driver.search(None, query, PAGE_SIZE, offset)
    return SearchPage(channel, query, items, total, offset)


def _cves(driver: Driver, info, query: cve_query.CveQuery | None) -> dict:
    """The package's CVE report for the page, its filtered list, or why it is unavailable."""
    try:
        report = cves.report(driver, info, None)
    except VulnsUnavailable as error:
        return {"available": False, "error": error.message, "report": None, "shown": []}
    items = cve_query.apply(report.items, query) if query is not None else report.items
    return {"available": True, "error": None, "report": report, "shown": items}


def score_title(scores: dict) -> str:
    """Each CVSS version's score as one line of text (the page shows it on hover)."""
    return " · ".join(
        f"CVSS {version}: {entry['score']} {entry['severity']} ({entry['source']})"
        for version, entry in scores.items()
    )


def package(channel: str, name: str, query: cve_query.CveQuery | None = None) -> dict:
    """Everything the package page shows: artifact, files, dependencies, CVEs."""
    driver = driver_for(channel)
    names.package_name(name)
    info = driver.package(name, None)
    found = _cves(driver, info, query)
    report = found["report"]
    files = sorted(
        (artifacts.file_entry(f) for f in info.files),
        key=lambda f: (version_key(f["version"]), f["build_number"] or 0, f["subdir"]),
        reverse=True,
    )
    for entry in files:
        facts = report.file(entry["filename"], entry["subdir"]) if report else None
        entry["cves"] = facts.fields() if facts else None
    latest = artifacts.latest_files(info)
    return {
        "artifact": artifacts.artifact(info, channel, None, driver.channel.private),
        "files": files,
        "cve": found,
        "depends": artifacts.depends_of_latest(info),
        "depends_version": latest[0].version if latest else None,
        "dependants": driver.dependants(name, None),
    }


def cve_list(channel: str, name: str, query: cve_query.CveQuery) -> dict:
    """The CVE list of a package, filtered (the CVEs section's fragment)."""
    driver = driver_for(channel)
    names.package_name(name)
    return _cves(driver, driver.package(name, None), query)


def contents(channel: str, name: str, subdir: str, filename: str) -> dict:
    """What is inside one package file (the metadata API's contents document)."""
    driver = driver_for(channel)
    names.package_name(name)
    info = driver.package(name, None)
    service = current_app.extensions["contents"]
    return package_files.contents_document(driver, info, service, None, subdir, filename)
