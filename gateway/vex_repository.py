"""Each channel's vulnerability statements, published as a VEX repository (vulns/vexrepo.py).

- `/.well-known/vex-repository.json`: the public manifest; its one location is the archive of
  every configured public channel, `/vex/v0.1/vex-repository.tar.gz`. Private channels are
  never in it.
- `/api/channels/<channel>/vex/.well-known/vex-repository.json` and
  `/api/channels/<channel>/vex/v0.1/vex-repository.tar.gz`: one channel's repository; a
  private channel answers only to a token that covers it, as the rest of the API.

Only channels whose every record the gateway holds itself (the `conda` driver: whole or sharded
repodata, indexed on this host) are published: listing an API-driven channel (`anaconda-org`,
`platform`, the fallback) would cost one upstream request per package, far past the per-request
upstream budget (docs/metadata-api.md); such a channel's URLs answer 404 `vex_not_served`.

Archives are built from the channel's package reports (the same reports as `/cves` and the
page) and kept for the channel's TTL per database version; the bytes do not depend on the
request, and carry a strong ETag (304 on If-None-Match).
"""

from __future__ import annotations

import hashlib
import threading
import time

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request

from common import names
from common.errors import NotFound
from common.public_url import public_base_url
from gateway import cves
from gateway.access import readable_channel
from gateway.catalog import Catalog
from services.sbom.purl import channel_qualifier
from services.sbom.purl import conda_purl
from vulns import vexrepo

bp = Blueprint("vexrepo", __name__)
PAGE = 500
_ARCHIVE = f"v{vexrepo.SPEC_VERSION}/{vexrepo.ARCHIVE_NAME}"
_MIMETYPE = "application/gzip"
PUBLISHED_DRIVERS = ("conda",)  # drivers whose records are all held here (no upstream walk)


def _catalog() -> Catalog:
    return current_app.extensions["catalog"]


def _channel_statements(driver, channel: str) -> dict[str, list[vexrepo.FileStatement]]:
    """Every package of a channel with its files' statements (packages without any left out)."""
    found: dict[str, list[vexrepo.FileStatement]] = {}
    offset, total = 0, 1
    while offset < total:
        items, total = driver.search(None, "", PAGE, offset)
        offset += PAGE
        for item in items:
            info = driver.package(item["name"], None)
            report = cves.report(driver, info, None, info.files)
            if not report.covered:
                continue
            aliases = {i["id"]: tuple(i.get("aliases") or ()) for i in report.items}
            for file in info.files:
                purl = conda_purl(
                    file.name,
                    file.version,
                    file.build,
                    file.subdir,
                    file.filename,
                    channel_qualifier(channel, None),
                )
                for finding in report.file(file.filename, file.subdir).findings:
                    found.setdefault(info.name, []).append(
                        vexrepo.FileStatement(
                            finding.id,
                            aliases.get(finding.id, ()),
                            purl,
                            finding.status,
                            finding.vex_status,
                            finding.justification,
                            finding.detail,
                        )
                    )
    return found


def _build(channels: tuple[str, ...]) -> bytes:
    """The archive of the statements of `channels` (one document per package name)."""
    snapshot = cves.service().snapshot()
    statements: dict[str, list[vexrepo.FileStatement]] = {}
    for channel in channels:
        for name, items in _channel_statements(_catalog().driver(channel), channel).items():
            statements.setdefault(name, []).extend(items)
    scope = "+".join(channels)
    documents = {}
    for name, items in statements.items():
        doc_id = f"urn:conda-badges:vex:{scope}:{name}:{snapshot.version}"
        author = f"conda-badges (channels: {', '.join(channels)})"
        document = vexrepo.package_document(name, items, doc_id, author, snapshot.built_at)
        if document is not None:
            documents[name] = document
    return vexrepo.archive(vexrepo.repository_files(documents, snapshot.built_at))


class ArchiveCache:
    """Built archives by (channels, database version), each kept for `ttl` seconds."""

    def __init__(self):
        self._entries: dict[tuple, tuple[float, bytes]] = {}
        self._lock = threading.Lock()

    def get(self, channels: tuple[str, ...], ttl: int) -> bytes:
        """The archive for `channels`, built when missing or older than `ttl` seconds."""
        key = (channels, cves.service().snapshot().digest)
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and now - entry[0] < ttl:
            return entry[1]
        body = _build(channels)
        with self._lock:
            self._entries = {k: v for k, v in self._entries.items() if now - v[0] < ttl}
            self._entries[key] = (now, body)
        return body


def _archive_response(body: bytes, max_age: int):
    response = current_app.response_class(body, mimetype=_MIMETYPE)
    response.set_etag(hashlib.sha256(body).hexdigest())
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response.make_conditional(request)


def _manifest_response(document: dict):
    response = jsonify(document)
    response.headers["Cache-Control"] = "no-cache"  # its URLs follow PUBLIC_URL / the Host
    return response


def _public_channels() -> tuple[str, ...]:
    return tuple(
        sorted(
            c.name
            for c in _catalog().channels.values()
            if not c.private and c.driver in PUBLISHED_DRIVERS
        )
    )


def _published(channel: str):
    """The config of a channel whose VEX repository is served (access checked first)."""
    names.channel_name(channel)
    config = readable_channel(_catalog(), channel, None)
    if config.driver not in PUBLISHED_DRIVERS:
        raise NotFound(
            f"channel {config.name} is served from an API upstream ({config.driver}); its VEX "
            "repository is not published, since listing it would cost one upstream request "
            "per package",
            code="vex_not_served",
        )
    return config


def _cache() -> ArchiveCache:
    return current_app.extensions.setdefault("vex_archives", ArchiveCache())


@bp.get("/.well-known/vex-repository.json")
def public_manifest():
    """The manifest of the public channels' VEX repository."""
    base = public_base_url(current_app.config["SETTINGS"])
    return _manifest_response(
        vexrepo.manifest(
            "conda-badges public channels",
            f"OpenVEX statements for the public channels {', '.join(_public_channels())}",
            f"{base}/vex/{_ARCHIVE}",
            vexrepo.update_interval(current_app.config["SETTINGS"].default_ttl),
        )
    )


@bp.get(f"/vex/{_ARCHIVE}")
def public_archive():
    """The public channels' VEX repository archive."""
    ttl = current_app.config["SETTINGS"].default_ttl
    return _archive_response(_cache().get(_public_channels(), ttl), ttl)


@bp.get("/api/channels/<channel>/vex/.well-known/vex-repository.json")
def channel_manifest(channel: str):
    """One channel's VEX repository manifest (a private channel only with its token)."""
    config = _published(channel)
    base = public_base_url(current_app.config["SETTINGS"])
    return _manifest_response(
        vexrepo.manifest(
            f"conda-badges channel {config.name}",
            f"OpenVEX statements for the packages of channel {config.name}",
            f"{base}/api/channels/{config.name}/vex/{_ARCHIVE}",
            vexrepo.update_interval(config.ttl),
        )
    )


@bp.get(f"/api/channels/<channel>/vex/{_ARCHIVE}")
def channel_archive(channel: str):
    """One channel's VEX repository archive (a private channel only with its token)."""
    config = _published(channel)
    return _archive_response(_cache().get((config.name,), config.ttl), config.ttl)
