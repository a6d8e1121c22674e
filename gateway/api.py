"""The read-only metadata API: views parse the request and delegate to the channel's driver."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request
from werkzeug.exceptions import MethodNotAllowed

from common import names
from common.errors import InvalidParameter
from common.errors import NotFound
from common.errors import VulnsUnavailable
from gateway import artifacts
from gateway import cve_query
from gateway import cves
from gateway import package_files
from gateway.access import readable_channel
from gateway.access import visible_channels
from gateway.catalog import Catalog

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_LIMIT = 500
DEFAULT_LIMIT = 50


def _catalog() -> Catalog:
    return current_app.extensions["catalog"]


def _driver(channel: str, subchannel: str | None):
    """The driver of an existing channel the caller may read (404 before any upstream call)."""
    names.channel_name(channel)
    if subchannel is not None:
        names.subchannel_name(subchannel)
    readable_channel(_catalog(), channel, subchannel)
    return _catalog().driver(channel)


def _int_arg(name: str, default: int, lowest: int, highest: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidParameter(f"{name} must be a whole number", code="invalid_parameter") from None
    if not lowest <= value <= highest:
        raise InvalidParameter(f"{name} must be between {lowest} and {highest}")
    return value


OPENAPI = Path(__file__).with_name("openapi.yaml")


@bp.get("/openapi.yaml")
def openapi():
    """This API's OpenAPI document."""
    return current_app.response_class(OPENAPI.read_bytes(), mimetype="application/yaml")


@bp.get("/channels")
def list_channels():
    """The channels this caller may see."""
    items = [
        {"name": c.name, "title": c.title, "driver": c.driver, "private": c.private}
        for c in visible_channels(list(_catalog().channels.values()))
    ]
    return jsonify({"items": items, "total": len(items)})


def _routes(rule: str, endpoint, **options) -> None:
    """Register a view under both the channel and the subchannel prefix."""
    bp.add_url_rule(f"/channels/<channel>{rule}", view_func=endpoint, **options)
    bp.add_url_rule(
        f"/channels/<channel>/subchannels/<subchannel>{rule}",
        view_func=endpoint,
        endpoint=f"{endpoint.__name__}_sub",
        **options,
    )


def search_artifacts(channel: str, subchannel: str | None = None):
    """One page of the channel's packages whose names contain `q`."""
    driver = _driver(channel, subchannel)
    query = request.args.get("q", "")
    if len(query) > 255 or any(ord(ch) < 32 for ch in query):
        raise InvalidParameter("q must be at most 255 printable characters")
    limit = _int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int_arg("offset", 0, 0, 10_000_000)
    with_freshness = getattr(driver, "search_with_freshness", None)
    if with_freshness is not None:
        items, total, freshness = with_freshness(subchannel, query, limit, offset)
    else:
        (items, total), freshness = driver.search(subchannel, query, limit, offset), None
    body = {"items": items, "total": total, "limit": limit, "offset": offset}
    if freshness is not None:
        body["freshness"] = freshness
    return jsonify(body)


def _package(channel: str, name: str, subchannel: str | None):
    driver = _driver(channel, subchannel)
    names.package_name(name)
    return driver, driver.package(name, subchannel)


def get_artifact(channel: str, name: str, subchannel: str | None = None):
    """The artifact: versions, latest version, platforms, license, dates, downloads, CVEs."""
    driver, info = _package(channel, name, subchannel)
    body = artifacts.artifact(info, channel, subchannel, driver.channel.private)
    latest = artifacts.latest_files(info)
    try:
        report = cves.report(driver, info, subchannel, latest)
    except VulnsUnavailable as error:  # the package's other facts are still worth answering
        body.update(cves.artifact_fields(None, latest, error))
    else:
        body.update(cves.artifact_fields(report, latest))
    return jsonify(body)


def get_files(channel: str, name: str, subchannel: str | None = None):
    """One entry per package file, optionally filtered by subdir, version or filename."""
    driver, info = _package(channel, name, subchannel)
    files = info.files
    subdir = request.args.get("subdir")
    if subdir:
        names.subdir_name(subdir)
        files = tuple(f for f in files if f.subdir == subdir)
    version = request.args.get("version")
    if version:
        files = tuple(f for f in files if f.version == version)
    filename = request.args.get("filename")
    if filename:
        names.file_name(filename)
        files = tuple(f for f in files if f.filename == filename)
        if not files:
            raise NotFound(
                f"file {filename!r} of package {name!r} is not in channel {channel!r}"
                + (f" subdir {subdir!r}" if subdir else ""),
                code="file_not_found",
            )
    items = [artifacts.file_entry(f) for f in files]
    try:
        report = cves.report(driver, info, subchannel, files)
    except VulnsUnavailable as error:
        for item in items:
            item.update({"cve_score": None, "cve_count": None, "cve_status": None})
            item["cve_error"] = error.message
    else:
        for item in items:
            item.update(cves.file_fields(report.file(item["filename"], item["subdir"])))
    return jsonify({"items": items, "total": len(items)})


def get_dependencies(channel: str, name: str, subchannel: str | None = None):
    """What the latest version depends on, and which packages in the channel depend on it."""
    driver, info = _package(channel, name, subchannel)
    latest = artifacts.latest_files(info)
    with_freshness = getattr(driver, "dependants_with_freshness", None)
    if with_freshness is not None:
        dependants, freshness = with_freshness(name, subchannel)
    else:
        dependants, freshness = driver.dependants(name, subchannel), None
    body = {
        "name": info.name,
        "version": latest[0].version if latest else None,
        "depends": artifacts.depends_of_latest(info),
        "dependants": dependants,
    }
    if freshness is not None:
        body["freshness"] = freshness
    return jsonify(body)


def get_cves(channel: str, name: str, subchannel: str | None = None):
    """The package's CVEs across its files, filtered and paged (see docs/metadata-api.md)."""
    query = cve_query.parse_query(request.args)
    limit = _int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int_arg("offset", 0, 0, 10_000_000)
    driver, info = _package(channel, name, subchannel)
    report = cves.report(driver, info, subchannel)
    found = cve_query.apply(report.items, query)
    return jsonify(
        {
            "name": info.name,
            "covered": report.covered,
            "reason": report.reason,
            "identities": list(report.identities),
            "database": report.database,
            "curation": "openvex" if report.curation else None,
            "items": found[offset : offset + limit],
            "total": len(found),
            "limit": limit,
            "offset": offset,
        }
    )


def get_readme(channel: str, name: str, subchannel: str | None = None):
    """The package description as its readme, or 404 when it has none."""
    _, info = _package(channel, name, subchannel)
    if not info.description:
        raise NotFound(f"package {name!r} has no description", code="readme_not_found")
    return jsonify({"name": info.name, "content_type": "text/plain", "content": info.description})


_routes("/artifacts", search_artifacts, methods=["GET"])
_routes("/artifacts/conda/<name>", get_artifact, methods=["GET"])
_routes("/artifacts/conda/<name>/files", get_files, methods=["GET"])
_routes("/artifacts/conda/<name>/dependencies", get_dependencies, methods=["GET"])
_routes("/artifacts/conda/<name>/cves", get_cves, methods=["GET"])
_routes("/artifacts/conda/<name>/readme", get_readme, methods=["GET"])


# --- package contents and batch look-ups (docs/metadata-api.md) ---


def _contents_document(channel: str, name: str, subchannel: str | None) -> dict:
    subdir = request.args.get("subdir", "")
    filename = request.args.get("filename", "")
    if not subdir or not filename:
        raise InvalidParameter("subdir and filename are required (the file's subdir and name)")
    read = request.args.get("read", "")
    if read not in ("", "whole"):
        raise InvalidParameter("read must be whole (or absent)", details={"offered": ["whole"]})
    driver, info = _package(channel, name, subchannel)
    return package_files.contents_document(
        driver,
        info,
        current_app.extensions["contents"],
        subchannel,
        subdir,
        filename,
        mode="full" if read == "whole" else None,
    )


def get_contents(channel: str, name: str, subchannel: str | None = None):
    """What is inside one package file: paths with hashes, licenses, recipe, provenance."""
    paths = request.args.get("paths", "true").lower()
    if paths not in ("true", "false"):
        raise InvalidParameter("paths must be true or false")
    document = _contents_document(channel, name, subchannel)
    body = {
        "channel": channel,
        "subchannel": subchannel,
        "subdir": request.args["subdir"],
        "filename": request.args["filename"],
        **document,
    }
    if paths == "false":
        body["paths"] = None
    return jsonify(body)


def batch_files(channel: str, subchannel: str | None = None):
    """Files for many match specs (or names) in one request: `{"specs": [...], "subdir"}`."""
    if request.method != "POST":
        raise MethodNotAllowed(valid_methods=["POST"])
    driver = _driver(channel, subchannel)
    body = package_files.load_batch_body(request.get_data(cache=False))
    spec_list, subdir, select = package_files.parse_batch(body)
    items = package_files.resolve_batch(driver, subchannel, spec_list, subdir, select)
    deferred = sum(1 for item in items if item.get("deferred"))
    response = jsonify(
        {
            "subdir": subdir,
            "select": select,
            "items": items,
            "total": len(items),
            "deferred": deferred,
        }
    )
    if deferred:  # an incomplete answer is never stored
        response.headers["Cache-Control"] = "no-store"
    return response


_routes("/artifacts/conda/<name>/contents", get_contents, methods=["GET"])
_routes("/batch/files", batch_files, methods=["GET", "POST"])
