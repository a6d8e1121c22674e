"""Keep-alive HTTP between our own processes, safe against a connection closed as it is reused.

gunicorn closes a connection that stays idle for its keep-alive (GUNICORN_KEEPALIVE, 5 s). A
pooled client that reuses the connection at that very moment sees it drop before any answer
(`RemoteDisconnected`, `ConnectionResetError`). Every call between our processes only reads,
so such a call is sent once more on a fresh connection; a timeout is never sent again (the
other side may still be working on it, and asking twice would double the wait).
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter


def pooled_session(pool_connections: int, pool_maxsize: int) -> requests.Session:
    """A session that keeps connections open; retries are `send_read`'s, not urllib3's."""
    session = requests.Session()
    adapter = HTTPAdapter(
        pool_connections=pool_connections, pool_maxsize=pool_maxsize, max_retries=0
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def send_read(session: requests.Session, method: str, url: str, **kwargs: Any) -> requests.Response:
    """Send a read-only request, and once more if the connection broke before an answer came."""
    try:
        return session.request(method, url, **kwargs)
    except requests.ConnectTimeout:
        raise
    except requests.ConnectionError:
        return session.request(method, url, **kwargs)
