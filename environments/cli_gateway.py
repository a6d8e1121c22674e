"""The CLI's client of a running gateway's `POST /api/environments/report`."""

from __future__ import annotations

import requests

TIMEOUT = (5.0, 120.0)


class GatewayError(Exception):
    """The gateway gave no report (its error message, or why it could not be reached)."""


def ask_gateway(base: str, what: str, body: bytes, query: dict, token: str | None) -> dict:
    """The gateway's JSON answer for a lockfile body."""
    headers = {"Content-Type": "application/octet-stream"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    params = {k: v for k, v in query.items() if v}
    url = f"{base.rstrip('/')}/api/environments/{what}"
    try:
        response = requests.post(url, data=body, params=params, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as error:
        raise GatewayError(f"cannot reach {base}: {type(error).__name__}") from None
    try:
        answer = response.json()
    except ValueError:
        raise GatewayError(f"{url} answered {response.status_code}, not JSON") from None
    if response.status_code != 200:
        error = answer.get("error") or {} if isinstance(answer, dict) else {}
        raise GatewayError(f"{response.status_code} {error.get('code')}: {error.get('message')}")
    return answer
