"""The `platform` driver: an upstream that speaks this same API (Anaconda Platform, a gateway)."""

from __future__ import annotations

from urllib.parse import quote
from urllib.parse import urlencode

from common.channels import ChannelConfig
from common.errors import NotFound
from common.timestamps import parse_iso
from gateway.models import PackageFile
from gateway.models import PackageInfo
from gateway.upstream import UpstreamFetcher
from gateway.upstream import UpstreamMissing


def _seconds(value: object) -> float | None:
    parsed = parse_iso(value)
    return parsed.timestamp() if parsed else None


def file_from_entry(entry: dict) -> PackageFile:
    """A PackageFile from this API's own file JSON."""
    return PackageFile(
        filename=entry["filename"],
        name=entry["name"],
        version=str(entry["version"]),
        build=str(entry.get("build", "")),
        build_number=int(entry.get("build_number") or 0),
        subdir=entry.get("subdir", ""),
        size=entry.get("size"),
        md5=entry.get("md5"),
        sha256=entry.get("sha256"),
        depends=tuple(entry.get("depends") or ()),
        constrains=tuple(entry.get("constrains") or ()),
        license=entry.get("license"),
        noarch=entry.get("noarch"),
        uploaded_at=_seconds(entry.get("uploaded_at")),
        download_count=entry.get("download_count"),
        download_url=entry.get("download_url"),
        labels=tuple(entry.get("labels") or ()),
    )


class PlatformDriver:
    """A channel served by another instance of this API."""

    def __init__(self, channel: ChannelConfig, fetcher: UpstreamFetcher):
        self.channel = channel
        self.fetcher = fetcher

    def _base(self, subchannel: str | None) -> str:
        base = f"{self.channel.url}/api/channels/{quote(self.channel.upstream_channel, safe='')}"
        if subchannel:
            base += f"/subchannels/{quote(subchannel, safe='')}"
        return base

    def _get(self, url: str, missing: NotFound):
        try:
            document, _ = self.fetcher.get(
                url,
                ttl=self.channel.ttl,
                channel=self.channel.name,
                parse=lambda d: d,
                credential=self.channel.credential,
                auth_scheme="Bearer",
            )
        except UpstreamMissing:
            raise missing from None
        return document

    def _artifact_url(self, name: str, subchannel: str | None) -> str:
        return f"{self._base(subchannel)}/artifacts/conda/{quote(name, safe='')}"

    def _missing(self, name: str) -> NotFound:
        return NotFound(
            f"package {name!r} is not in channel {self.channel.name!r}", code="package_not_found"
        )

    def package(self, name: str, subchannel: str | None) -> PackageInfo:
        """The package and its files, from the upstream's artifact and files endpoints."""
        url = self._artifact_url(name, subchannel)
        body = self._get(url, self._missing(name))
        files = self._get(url + "/files", self._missing(name))
        return PackageInfo(
            name=body["name"],
            files=tuple(file_from_entry(e) for e in files.get("items", ())),
            summary=body.get("summary"),
            description=body.get("description"),
            license=body.get("license"),
            home=body.get("home"),
            dev_url=body.get("dev_url"),
            doc_url=body.get("doc_url"),
            upstream_created_at=_seconds(body.get("created_at")),
            upstream_updated_at=_seconds(body.get("updated_at")),
        )

    def search(
        self, subchannel: str | None, query: str, limit: int, offset: int
    ) -> tuple[list[dict], int]:
        """The upstream's own search, one page."""
        params = urlencode({"q": query, "limit": limit, "offset": offset})
        missing = NotFound(f"channel {self.channel.name!r} not found", code="channel_not_found")
        body = self._get(f"{self._base(subchannel)}/artifacts?{params}", missing)
        items = [dict(item, private=self.channel.private) for item in body.get("items", ())]
        return items, int(body.get("total", len(items)))

    def dependants(self, name: str, subchannel: str | None) -> list[dict]:
        """The upstream's dependants of the package."""
        url = self._artifact_url(name, subchannel) + "/dependencies"
        return self._get(url, self._missing(name)).get("dependants", [])

    def cves(self, name: str, subchannel: str | None) -> list[dict]:
        """The upstream's CVE list for the package."""
        return self.cve_report(name, subchannel).get("items", [])

    def cve_report(self, name: str, subchannel: str | None) -> dict:
        """The upstream's whole `/cves` answer (coverage, database, items) for the package."""
        url = self._artifact_url(name, subchannel) + "/cves?limit=500"
        return self._get(url, self._missing(name))
