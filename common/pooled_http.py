"""Keep-alive HTTP that asks again when a reused connection drops, never after a read timeout.

A server closes a connection that stays idle for its keep-alive (gunicorn: GUNICORN_KEEPALIVE,
5 s). A pooled client that reuses the connection at that very moment sees it drop before any
answer (`RemoteDisconnected`, `ConnectionResetError`). urllib3 counts that and a read timeout
as the same "read" error; only the first is worth asking again: a slow server may still be
working, and asking twice would double the wait.
"""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry


class ReadTimeoutFinalRetry(Retry):
    """urllib3's Retry, except that a read timeout is never retried."""

    def increment(
        self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None
    ):
        """The next Retry, as urllib3 counts it; a read timeout is raised as it came."""
        if isinstance(error, ReadTimeoutError):
            raise error
        return super().increment(method, url, response, error, _pool, _stacktrace)


def pooled_session(pool_connections: int, pool_maxsize: int) -> requests.Session:
    """A keep-alive session for calls between our own processes: every one only reads (a POST
    look-up too), so a call whose reused connection drops is sent once more, on a new one."""
    retry = ReadTimeoutFinalRetry(
        total=1, connect=0, read=1, status=0, other=0, allowed_methods=None, raise_on_status=False
    )
    session = requests.Session()
    adapter = HTTPAdapter(
        pool_connections=pool_connections, pool_maxsize=pool_maxsize, max_retries=retry
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
