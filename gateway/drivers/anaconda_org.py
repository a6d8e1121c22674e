"""The `anaconda-org` driver: `GET /package/<owner>/<name>` of the anaconda.org API."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from common.channels import ChannelConfig
from common.errors import NotFound
from gateway import artifacts
from gateway.drivers.conda import timestamp_seconds
from gateway.models import PackageFile
from gateway.models import PackageInfo
from gateway.upstream import UpstreamFetcher
from gateway.upstream import UpstreamMissing

DEFAULT_LABEL = "main"


def _clean(value: object) -> object:
    """anaconda.org writes missing values as the string "None"; make them None."""
    return None if value in ("None", "", None) else value


def _iso_seconds(value: object) -> float | None:
    if not isinstance(value, str) or _clean(value) is None:
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


def parse_package(document: dict, download_base: str = "") -> PackageInfo:
    """A PackageInfo from an anaconda.org package document, with its known quirks mended.

    With `download_base` (the channel's `download_url`, e.g. `https://conda.anaconda.org/<owner>`)
    each file is downloaded from `<download_base>/<subdir>/<filename>` instead of the API's URL.
    """
    files = []
    for entry in document.get("files") or ():
        attrs = entry.get("attrs") or {}
        basename = str(entry.get("basename", ""))
        url = _clean(entry.get("download_url"))
        if isinstance(url, str) and url.startswith("//"):
            url = "https:" + url
        subdir = str(attrs.get("subdir") or basename.split("/", 1)[0])
        filename = basename.rsplit("/", 1)[-1]
        if download_base:
            url = f"{download_base}/{subdir}/{filename}"
        files.append(
            PackageFile(
                filename=filename,
                name=str(attrs.get("name") or document.get("name")),
                version=str(entry.get("version") or attrs.get("version")),
                build=str(attrs.get("build", "")),
                build_number=int(attrs.get("build_number") or 0),
                subdir=subdir,
                size=entry.get("size") or attrs.get("size"),
                md5=_clean(entry.get("md5")) or _clean(attrs.get("md5")),
                sha256=_clean(entry.get("sha256")) or _clean(attrs.get("sha256")),
                depends=tuple(attrs.get("depends") or ()),
                constrains=tuple(attrs.get("constrains") or ()),
                license=_clean(attrs.get("license")),
                noarch=_clean(attrs.get("noarch")),
                uploaded_at=_iso_seconds(entry.get("upload_time"))
                or timestamp_seconds(attrs.get("timestamp")),
                download_count=int(entry.get("ndownloads") or 0),
                download_url=url,
                labels=tuple(entry.get("labels") or ()),
            )
        )
    return PackageInfo(
        name=str(document.get("name")),
        files=tuple(files),
        summary=_clean(document.get("summary")),
        description=_clean(document.get("description")),
        license=_clean(document.get("license")),
        home=_clean(document.get("home")),
        dev_url=_clean(document.get("dev_url")),
        doc_url=_clean(document.get("doc_url")),
        upstream_created_at=_iso_seconds(document.get("created_at")),
        upstream_updated_at=None,
    )


def with_label(info: PackageInfo, label: str) -> PackageInfo:
    """Only the files that carry `label` (anaconda.org labels are our subchannels)."""
    files = tuple(f for f in info.files if label in f.labels)
    return PackageInfo(
        name=info.name,
        files=files,
        summary=info.summary,
        description=info.description,
        license=info.license,
        home=info.home,
        dev_url=info.dev_url,
        doc_url=info.doc_url,
        upstream_created_at=info.upstream_created_at,
    )


class AnacondaOrgDriver:
    """A channel on anaconda.org (or a server with its API)."""

    def __init__(self, channel: ChannelConfig, fetcher: UpstreamFetcher):
        self.channel = channel
        self.fetcher = fetcher
        self.owner = channel.owner or channel.name

    def _document(self, name: str) -> PackageInfo:
        url = f"{self.channel.url}/package/{quote(self.owner, safe='')}/{quote(name, safe='')}"
        try:
            info, _ = self.fetcher.get(
                url,
                ttl=self.channel.ttl,
                channel=self.channel.name,
                parse=lambda document: parse_package(document, self.channel.download_url),
                credential=self.channel.credential,
            )
        except UpstreamMissing:
            raise NotFound(
                f"package {name!r} is not in channel {self.channel.name!r}",
                code="package_not_found",
            ) from None
        return info

    def package(self, name: str, subchannel: str | None) -> PackageInfo:
        """The package's files that carry the subchannel's label (`main` by default)."""
        label = subchannel or DEFAULT_LABEL
        info = with_label(self._document(name), label)
        if not info.files:
            code = "subchannel_not_found" if subchannel else "package_not_found"
            raise NotFound(
                f"package {name!r} has no files labelled {label!r} in channel "
                f"{self.channel.name!r}",
                code=code,
            )
        return info

    def _listed(self, subchannel: str | None) -> list[PackageInfo]:
        found = []
        for name in self.channel.packages:
            try:
                found.append(self.package(name, subchannel))
            except NotFound:
                continue
        return found

    def search(
        self, subchannel: str | None, query: str, limit: int, offset: int
    ) -> tuple[list[dict], int]:
        """Search over the packages named in the channel's config (`packages = [...]`)."""
        needle = query.lower()
        infos = sorted(self._listed(subchannel), key=lambda i: i.name)
        matches = [
            artifacts.artifact_summary(i, self.channel.private)
            for i in infos
            if needle in i.name.lower()
        ]
        return matches[offset : offset + limit], len(matches)

    def dependants(self, name: str, subchannel: str | None) -> list[dict]:
        """Dependants among the configured packages (anaconda.org has no reverse index)."""
        self.package(name, subchannel)
        return artifacts.dependants_in(self._listed(subchannel), name)

    def cves(self, name: str, subchannel: str | None) -> list[dict]:
        """anaconda.org's public API has no CVE data."""
        self.package(name, subchannel)
        return []
