"""The services' client for the gateway's metadata API (pooled, with timeouts)."""

from __future__ import annotations

from urllib.parse import quote

import orjson
import requests
from flask import has_request_context

from common.errors import AppError
from common.errors import Forbidden
from common.errors import InvalidName
from common.errors import InvalidParameter
from common.errors import NotFound
from common.errors import Unauthorized
from common.errors import UpstreamError
from common.errors import UpstreamInvalid
from common.observability import request_id
from common.pooled_http import pooled_session

_BY_STATUS: dict[int, type[AppError]] = {
    400: InvalidParameter,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    502: UpstreamInvalid,
    503: UpstreamError,
    504: UpstreamError,
}


class MetadataClient:
    """Reads package facts from the gateway's `/api/channels/...` endpoints."""

    def __init__(
        self,
        base_url: str,
        timeout: tuple[float, float] = (1.0, 10.0),
        internal_key: str = "",
        audience: str = "api",
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.internal_key = internal_key
        self.audience = audience
        self.session = pooled_session(pool_connections=4, pool_maxsize=32)

    def ready(self) -> tuple[bool, str]:
        """Whether the gateway answers its /healthz (a service's /readyz)."""
        try:
            response = self.session.get(self.base_url + "/healthz", timeout=self.timeout)
        except requests.RequestException as error:
            return False, f"gateway unreachable ({type(error).__name__})"
        return response.status_code == 200, f"gateway /healthz answered {response.status_code}"

    def _path(self, channel: str, subchannel: str | None, name: str, tail: str = "") -> str:
        path = f"/api/channels/{quote(channel, safe='')}"
        if subchannel:
            path += f"/subchannels/{quote(subchannel, safe='')}"
        path += f"/artifacts/conda/{quote(name, safe='')}"
        return path + tail

    def _get(self, path: str, token: str | None, params: dict | None = None) -> dict:
        return self._request("GET", path, token, params)

    def _request(
        self,
        method: str,
        path: str,
        token: str | None,
        params: dict | None = None,
        body: dict | None = None,
    ) -> dict:
        headers = {"Accept": "application/json"}
        if has_request_context():
            headers["X-Request-ID"] = request_id()  # one ID across all three processes
        if self.internal_key:  # a trusted caller: not rate-limited as one public client
            headers["X-Internal-Key"] = self.internal_key
            headers["X-Token-Audience"] = self.audience
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                params=params,
                json=body,
                headers=headers,
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise UpstreamError(
                f"the metadata gateway is unreachable ({type(error).__name__})",
                code="gateway_unavailable",
            ) from error
        if response.status_code == 200:
            try:
                return orjson.loads(response.content)
            except orjson.JSONDecodeError as error:
                raise UpstreamInvalid("the metadata gateway sent invalid JSON") from error
        try:
            body = response.json().get("error", {})
        except (ValueError, AttributeError):
            body = {}
        error_type = _BY_STATUS.get(response.status_code, UpstreamError)
        if response.status_code == 400 and body.get("code") == "invalid_name":
            error_type = InvalidName
        extra = {k: v for k, v in body.items() if k not in ("code", "message")}
        raise error_type(
            body.get("message", f"metadata gateway answered {response.status_code}"),
            code=body.get("code"),
            details=extra,
        )

    def artifact(
        self, channel: str, name: str, subchannel: str | None = None, token: str | None = None
    ) -> dict:
        """The artifact summary: versions, latest_version, platforms, license, dates, ..."""
        return self._get(self._path(channel, subchannel, name), token)

    def files(
        self,
        channel: str,
        name: str,
        subchannel: str | None = None,
        token: str | None = None,
        **filters: str,
    ) -> list[dict]:
        """The package files (filters: subdir, version, filename)."""
        body = self._get(self._path(channel, subchannel, name, "/files"), token, filters or None)
        return body["items"]

    def dependencies(
        self, channel: str, name: str, subchannel: str | None = None, token: str | None = None
    ) -> dict:
        """What the latest version depends on, and what in the channel depends on it."""
        return self._get(self._path(channel, subchannel, name, "/dependencies"), token)

    def cves(
        self, channel: str, name: str, subchannel: str | None = None, token: str | None = None
    ) -> list[dict]:
        """Known vulnerabilities (empty where the upstream has no CVE data)."""
        return self._get(self._path(channel, subchannel, name, "/cves"), token)["items"]

    def cve_report(
        self,
        channel: str,
        name: str,
        subchannel: str | None = None,
        token: str | None = None,
        **filters: str,
    ) -> dict:
        """The whole `/cves` answer: items, coverage, identities and database (filters apply)."""
        params = {"limit": "500", **filters}
        return self._get(self._path(channel, subchannel, name, "/cves"), token, params)

    def contents(
        self,
        channel: str,
        name: str,
        subdir: str,
        filename: str,
        subchannel: str | None = None,
        token: str | None = None,
        whole: bool = False,
    ) -> dict:
        """What is inside one package file (paths, licenses, recipe, what was verified);
        `whole` asks for a whole read of the archive (its sha256 checked, its SHA-512)."""
        params = {"subdir": subdir, "filename": filename}
        if whole:
            params["read"] = "whole"
        return self._get(self._path(channel, subchannel, name, "/contents"), token, params)

    def batch_files(
        self,
        channel: str,
        specs: list[str],
        subdir: str | None = None,
        subchannel: str | None = None,
        token: str | None = None,
        select: str = "all",
    ) -> list[dict]:
        """For each match spec, the package's matching files (usable from `subdir`; only the
        preferred one with `select="best"`)."""
        path = f"/api/channels/{quote(channel, safe='')}"
        if subchannel:
            path += f"/subchannels/{quote(subchannel, safe='')}"
        body: dict = {"specs": list(specs), "select": select}
        if subdir:
            body["subdir"] = subdir
        return self._request("POST", path + "/batch/files", token, body=body)["items"]
