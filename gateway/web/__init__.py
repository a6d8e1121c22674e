"""The web pages: package search, package pages with files and SBOMs, badge snippets.

Pages are rendered on the server from the gateway's catalog. A little JavaScript
(`static/app.js`) keeps a token in sessionStorage and fetches the same HTML fragments with
`Authorization: Bearer`, so private channels work without a token in any page URL.
"""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import g
from flask import render_template
from flask import request
from flask import url_for

from common.errors import AppError
from common.errors import InvalidParameter
from common.errors import error_response
from common.public_url import public_base_url
from common.safe_url import safe_url
from gateway import cve_query
from gateway.web import data
from gateway.web import snippets
from vulns.model import STATUSES

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/ui/static",
)

CVE_FILTERS = (
    "score_gte",
    "score_lte",
    "name",
    "status",
    "curated_after",
    "curated_before",
    "modified_after",
    "modified_before",
    "published_after",
    "published_before",
)
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'"
)
MAX_QUERY = 100


@bp.app_template_filter("safe_url")
def _safe_url(value: object) -> str | None:
    """Package metadata links: http(s) URLs only (javascript:, data: and the like are None)."""
    return safe_url(value)


@bp.after_request
def _security_headers(response: Response) -> Response:
    """A strict CSP, no referrer, no sniffing; pages read with a token are never stored."""
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if g.get("token") or request.headers.get("Authorization"):
        response.headers["Cache-Control"] = "private, no-store"
    elif response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-cache"
    return response


@bp.errorhandler(AppError)
def _error(error: AppError):
    """An HTML error page (or fragment) for people, JSON for programs."""
    if not request.accept_mimetypes.accept_html:
        return error_response(error)
    if request.path.startswith("/ui/"):
        return render_template("fragments/error.html", error=error), error.status
    retry = None
    fragments = {"web.package": "web.package_fragment", "web.contents": "web.contents_fragment"}
    if request.endpoint in fragments and request.view_args:
        retry = url_for(fragments[request.endpoint], **request.view_args)
        if request.query_string:
            retry += "?" + request.query_string.decode("latin-1")
    page = render_template(
        "error.html",
        error=error,
        channels=_channels(),
        retry=retry,
        open_token=error.status in (401, 403, 404),
    )
    return page, error.status


SNIPPET_TOKEN_HEADER = "X-Snippet-Token"  # noqa: S105 - a header name, not a secret


def _snippet_token(channel: str) -> tuple[str | None, bool]:
    """The token for snippets of a private channel, and whether it is the page's own token.

    The script may send a separate, narrower README token in `X-Snippet-Token`; it is only
    written into the snippets, never used to read anything.
    """
    if not data.is_private(channel):
        return None, False
    separate = request.headers.get(SNIPPET_TOKEN_HEADER, "").strip()
    if separate and len(separate) <= 8192 and separate.isprintable():
        return separate, False
    own = g.get("token") or None
    return own, own is not None


def _channels() -> list[dict]:
    try:
        return data.readable_channels()
    except AppError:
        return data.public_channels()


def _search_args() -> tuple[str, str, int]:
    channels = _channels()
    default = channels[0]["name"] if channels else ""
    channel = request.args.get("channel") or default
    query = request.args.get("q", "").strip()
    if len(query) > MAX_QUERY or any(ord(ch) < 32 for ch in query):
        raise InvalidParameter(f"the search text must be at most {MAX_QUERY} characters")
    raw = request.args.get("offset", "0")
    if not raw.isdigit() or len(raw) > 8:
        raise InvalidParameter("offset must be a whole number")
    return channel, query, int(raw)


def _base_url() -> str:
    return public_base_url(current_app.config["SETTINGS"])


@bp.get("/")
def index():
    """The search page: a channel, part of a name, and the matching packages."""
    channel, query, offset = _search_args()
    page, error = None, None
    if channel:
        try:
            page = data.search(channel, query, offset)
        except AppError as caught:
            error = caught
    status = error.status if error is not None else 200
    return (
        render_template(
            "search.html",
            channels=_channels(),
            channel=channel,
            query=query,
            page=page,
            error=error,
        ),
        status,
    )


@bp.get("/ui/fragments/results")
def results_fragment():
    """The search results alone, for the page's script (reads `Authorization: Bearer`)."""
    channel, query, offset = _search_args()
    page = data.search(channel, query, offset)
    return render_template("fragments/results.html", page=page)


def _cve_filters() -> tuple[cve_query.CveQuery | None, str | None, dict]:
    """The CVE section's filters from the query string, or the problem with them."""
    values = {key: request.args.get(key, "") for key in CVE_FILTERS}
    try:
        return cve_query.parse_query(request.args), None, values
    except InvalidParameter as error:
        return None, error.message, values


def _package_context(channel: str, name: str) -> dict:
    style = snippets.Style.from_args(request.args)
    token, own = _snippet_token(channel)
    query, cve_error, cve_values = _cve_filters()
    return {
        "pkg": data.package(channel, name, query),
        "cve_filter_error": cve_error,
        "cve_values": cve_values,
        "statuses": STATUSES,
        "score_title": data.score_title,
        "channel": channel,
        "name": name,
        "style": style,
        "colors": snippets.COLORS,
        "styles": snippets.STYLES,
        "formats": snippets.FORMATS,
        "badges": snippets.badges(_base_url(), channel, name, style, token),
        "token_in_snippets": bool(token),
        "own_token_in_snippets": own,
        "private": data.is_private(channel),
    }


@bp.get("/<channel>/<name>")
def package(channel: str, name: str):
    """A package page: summary, files with SBOM downloads, dependencies, badges."""
    return render_template("package.html", channels=_channels(), **_package_context(channel, name))


@bp.get("/ui/fragments/package/<channel>/<name>")
def package_fragment(channel: str, name: str):
    """The package page's main content alone, for the page's script."""
    return render_template("fragments/package.html", **_package_context(channel, name))


@bp.get("/ui/fragments/cves/<channel>/<name>")
def cves_fragment(channel: str, name: str):
    """The CVE list for the chosen filters, for the page's script."""
    query, cve_error, values = _cve_filters()
    found = data.cve_list(channel, name, query) if query is not None else None
    return render_template(
        "fragments/cves.html",
        channel=channel,
        name=name,
        cve=found,
        cve_filter_error=cve_error,
        cve_values=values,
        statuses=STATUSES,
        score_title=data.score_title,
    )


@bp.get("/ui/fragments/badges/<channel>/<name>")
def badges_fragment(channel: str, name: str):
    """The badge previews and snippets for the chosen style, for the page's script."""
    data.check_package(channel, name)
    style = snippets.Style.from_args(request.args)
    token, own = _snippet_token(channel)
    return render_template(
        "fragments/badges.html",
        channel=channel,
        name=name,
        formats=snippets.FORMATS,
        badges=snippets.badges(_base_url(), channel, name, style, token),
        token_in_snippets=bool(token),
        own_token_in_snippets=own,
    )


def _contents_context(channel: str, name: str, subdir: str, filename: str) -> dict:
    return {
        "contents": data.contents(channel, name, subdir, filename),
        "channel": channel,
        "name": name,
        "subdir": subdir,
        "filename": filename,
    }


@bp.get("/<channel>/<name>/contents/<subdir>/<filename>")
def contents(channel: str, name: str, subdir: str, filename: str):
    """What is inside one package file: files with sizes and hashes, license texts, SBOMs."""
    context = _contents_context(channel, name, subdir, filename)
    return render_template("contents.html", channels=_channels(), **context)


@bp.get("/ui/fragments/contents/<channel>/<name>/<subdir>/<filename>")
def contents_fragment(channel: str, name: str, subdir: str, filename: str):
    """The contents page's main content alone, for the page's script."""
    return render_template(
        "fragments/contents.html", **_contents_context(channel, name, subdir, filename)
    )


from gateway.web import environments as _environments  # noqa: E402,F401 - routes on bp
