"""A stand-in for the gateway MetadataClient, answering from the embedded repodata."""

from __future__ import annotations

import requests

from common import specs
from common.errors import NotFound
from common.metadata_client import MetadataClient
from tests.services.sbom.realdata import CHANNEL_SUBDIRS
from tests.services.sbom.realdata import contents_for
from tests.services.sbom.realdata import files_by_name
from tests.services.sbom.realdata import find

PRIVATE = {"private"}


class FakeMetadataClient:
    """Answers `artifact`, `files` and `cves` as the gateway would, and records the calls."""

    def __init__(self, cves: dict[str, list[dict]] | None = None, token: str = "good-token"):  # noqa: S107
        self.cves_by_name = cves or {}
        self.token = token
        self.calls: list[tuple] = []
        self.base_url = "http://127.0.0.1:9"  # nothing listens: /readyz says not ready
        self.timeout = (0.5, 0.5)
        self.session = requests.Session()

    # the real readiness probe, against an address where nothing listens
    ready = MetadataClient.ready

    def _files(self, channel: str, name: str, token: str | None) -> list[dict]:
        if channel not in CHANNEL_SUBDIRS or (channel in PRIVATE and token != self.token):
            raise NotFound(f"channel {channel!r} not found", code="channel_not_found")
        files = files_by_name(channel).get(name)
        if files is None:
            raise NotFound(f"package {name!r} not found", code="package_not_found")
        return files

    def artifact(self, channel, name, subchannel=None, token=None) -> dict:
        """The parts of the artifact the SBOM service reads."""
        self.calls.append(("artifact", channel, name, subchannel, token))
        files = self._files(channel, name, token)
        return {
            "name": name,
            "summary": f"{name} from the embedded {channel} channel",
            "home": "https://example.org/home",
            "dev_url": None,
            "doc_url": None,
            "created_at": None,
            "platforms": sorted({f["subdir"] for f in files}),
        }

    def files(self, channel, name, subchannel=None, token=None, **filters) -> list[dict]:
        """The files, filtered by subdir and filename like the gateway."""
        self.calls.append(("files", channel, name, subchannel, token, tuple(sorted(filters))))
        items = self._files(channel, name, token)
        for key in ("subdir", "filename"):
            if key in filters:
                items = [f for f in items if f[key] == filters[key]]
        if "filename" in filters and not items:
            raise NotFound(f"file {filters['filename']!r} not found", code="file_not_found")
        return [dict(f) for f in items]

    def cves(self, channel, name, subchannel=None, token=None) -> list[dict]:
        """The configured CVEs of the package."""
        self.calls.append(("cves", channel, name, subchannel, token))
        self._files(channel, name, token)
        return list(self.cves_by_name.get(name, []))

    def cve_report(self, channel, name, subchannel=None, token=None, **filters) -> dict:
        """The `/cves` answer around the configured CVEs (as the gateway shapes it)."""
        return {"items": self.cves(channel, name, subchannel, token), "covered": True}

    def batch_files(
        self, channel, spec_list, subdir=None, subchannel=None, token=None, select="all"
    ):
        """The batch endpoint: per spec, the package's files matching it, usable from subdir."""
        self.calls.append(("batch", channel, tuple(spec_list), subchannel, token, subdir))
        allowed = specs.candidate_subdirs(subdir) if subdir else None
        items = []
        for spec in spec_list:
            name = specs.spec_name(spec)
            try:
                files = self._files(channel, name, token)
            except NotFound as error:
                if error.code != "package_not_found":
                    raise
                items.append({"spec": spec, "name": name, "found": False, "files": []})
                continue
            parsed = specs.parse_spec(spec)
            matching = [
                dict(f)
                for f in files
                if (allowed is None or f["subdir"] in allowed)
                and specs.matches(
                    parsed, f["name"], f["version"], f["build"], f["build_number"], f["subdir"]
                )
            ]
            if select == "best" and matching:
                matching = [
                    max(
                        matching,
                        key=lambda f: specs.preference(
                            f["version"], f["build_number"], f["filename"]
                        ),
                    )
                ]
            items.append({"spec": spec, "name": name, "found": True, "files": matching})
        return items

    def contents(
        self, channel, name, subdir, filename, subchannel=None, token=None, whole=False
    ) -> dict:
        """The contents of a file whose archive is on disk (read for real), else 404."""
        self.calls.append(("contents", channel, name, subchannel, token, subdir, filename))
        self._files(channel, name, token)
        found = contents_for(find(channel, subdir, filename))
        if found is None:
            raise NotFound(
                "the package file is not in the channel's folder", code="contents_unavailable"
            )
        return found
