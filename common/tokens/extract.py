"""Where a request's token comes from (`/t/<tok>/` prefix, `?token=`, `Authorization: Bearer`).

`init_app` installs everything a Flask app needs: a WSGI middleware that takes the token out
of the path and the query string before anything (routing, logs, caches) can see it, a
before_request hook that puts the one token into `flask.g.token`, and an after_request hook
that makes every tokenized response `private, no-store`.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote
from urllib.parse import unquote_plus

from flask import Flask
from flask import current_app
from flask import g
from flask import request

from common.errors import InvalidParameter
from common.settings import Settings
from common.tokens.claims import AUDIENCES
from common.tokens.claims import Claims
from common.tokens.redaction import install_log_redaction
from common.tokens.validator import TokenValidator

ENVIRON_KEY = "conda_badges.tokens"  # the tokens the middleware took out of the URL
QUERY_PARAMETER = "token"
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def _split_query(query: str) -> tuple[str, list[str]]:
    """The query string without `token=` items (kept byte for byte), and their values."""
    kept, tokens = [], []
    for item in query.split("&"):
        name, _, value = item.partition("=")
        if unquote_plus(name) == QUERY_PARAMETER:
            tokens.append(unquote_plus(value))
        elif item:
            kept.append(item)
    return "&".join(kept), tokens


def _split_path(path: str) -> tuple[str, str | None]:
    """`/t/<tok>/rest` -> (`/rest`, tok); other paths are returned unchanged."""
    if not path.startswith("/t/"):
        return path, None
    token, slash, rest = path[3:].partition("/")
    if not token:
        return path, None
    return slash + rest if slash else "/", token


class TokenStripper:
    """WSGI middleware: moves `/t/<tok>` and `token=` out of PATH_INFO, QUERY_STRING, RAW_URI."""

    def __init__(self, app: Callable):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        """Strip the tokens from the URL into environ[ENVIRON_KEY], then call the app."""
        path, path_token = _split_path(environ.get("PATH_INFO", ""))
        query, query_tokens = _split_query(environ.get("QUERY_STRING", ""))
        found = ([path_token] if path_token is not None else []) + query_tokens
        if found:
            environ["PATH_INFO"] = path
            environ["QUERY_STRING"] = query
            raw = quote(path.encode("latin-1"), safe=_PATH_SAFE) + (f"?{query}" if query else "")
            for key in ("RAW_URI", "REQUEST_URI"):
                if key in environ:
                    environ[key] = raw
        environ[ENVIRON_KEY] = found
        return self.app(environ, start_response)


def _bearer(header: str | None) -> str | None:
    scheme, _, value = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def carries_token() -> bool:
    """Whether the request has a token anywhere (or any Authorization header at all)."""
    return any(request.environ.get(ENVIRON_KEY, ())) or "Authorization" in request.headers


def request_token() -> str | None:
    """The request's one token, or None; 400 `conflicting_tokens` if it carries two different."""
    found = list(request.environ.get(ENVIRON_KEY, ()))
    bearer = _bearer(request.headers.get("Authorization"))
    if bearer is not None:
        found.append(bearer)
    distinct = {token for token in found if token}
    if len(distinct) > 1:
        raise InvalidParameter(
            "the request carries more than one token; send exactly one",
            code="conflicting_tokens",
        )
    return distinct.pop() if distinct else None


def init_app(app: Flask, settings: Settings, audience: str) -> None:
    """Install token handling on `app`; its validator goes to app.extensions["tokens"].

    Also installs the log redaction for the whole process (see `install_log_redaction`).
    """
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}")
    install_log_redaction()
    validator = TokenValidator.from_settings(settings)
    app.extensions["tokens"] = validator
    app.config["TOKEN_AUDIENCE"] = audience
    app.wsgi_app = TokenStripper(app.wsgi_app)  # type: ignore[method-assign]

    @app.before_request
    def _collect_token() -> None:
        g.token = None
        g.token = request_token()

    @app.after_request
    def _no_store_when_tokenized(response):
        if carries_token():
            response.headers["Cache-Control"] = "private, no-store"
            response.headers["Referrer-Policy"] = "no-referrer"
        return response


def validator() -> TokenValidator:
    """The current app's validator."""
    return current_app.extensions["tokens"]


def require_access(channel: str, subchannel: str | None = None) -> Claims | None:
    """In a service's view: check g.token against a channel this process knows to be private.

    Channels not in this process's settings (the services may run without the channels file)
    are left to the gateway, which checks the forwarded token with this service's audience.
    """
    tokens = validator()
    config = tokens.settings.channels.get(channel)
    if config is None or not config.private:
        return None
    return tokens.authorize(
        g.get("token"),
        audience=current_app.config["TOKEN_AUDIENCE"],
        channel=channel,
        subchannel=subchannel,
    )
