"""`?files=true` on environment reports and SBOMs: each served package's shipped files, read
through the gateway's contents service (the package-file SBOMs' `/contents`), bounded by
ENVIRONMENTS_MAX_CONTENTS and the request's upstream budget."""

from __future__ import annotations

from flask import current_app
from flask import request

from common.errors import AppError
from common.errors import InvalidParameter
from environments.files import with_files
from gateway import package_files


def files_requested() -> bool:
    """Whether the query asks for file components (`files=true`; default false)."""
    value = request.args.get("files", "false").lower()
    if value not in ("true", "false"):
        raise InvalidParameter("files must be true or false")
    return value == "true"


def fetch_contents(row: dict) -> dict | str:
    """The contents document of a report row's channel file, or why it cannot be read now
    (an archive read spends the request's upstream budget; running out is such a reason)."""
    catalog = current_app.extensions["catalog"]
    try:
        driver = catalog.driver(row["channel"])
        info = driver.package(row["name"], None)
        return package_files.contents_document(
            driver,
            info,
            current_app.extensions["contents"],
            None,
            row["subdir"],
            row["filename"],
        )
    except AppError as error:
        return f"contents cannot be read now ({error.code}): {error.message}"


def maybe_with_files(report: dict) -> dict:
    """The report, with file components when the query asks for them."""
    if not files_requested():
        return report
    limit = current_app.config["SETTINGS"].environments_max_contents
    return with_files(report, fetch_contents, limit)
