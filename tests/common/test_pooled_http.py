"""Calls between our processes survive a kept-alive connection that the other side closes as
it is reused, and are never sent twice after a timeout."""

from __future__ import annotations

import pytest
import requests

from common.errors import UpstreamError
from common.metadata_client import MetadataClient
from common.pooled_http import pooled_session
from tests.common.dropping_server import DroppingServer


def test_a_request_on_a_connection_dropped_as_it_is_reused_is_sent_once_more():
    with DroppingServer().running() as server:
        session = pooled_session(pool_connections=1, pool_maxsize=1)
        first = session.get(server.url + "/one", timeout=(1, 5))
        second = session.get(server.url + "/two", timeout=(1, 5))
    assert (first.status_code, second.status_code) == (200, 200)
    # /two went out twice: on the dropped connection, then on a new one
    assert server.requests == ["GET /one HTTP/1.1", "GET /two HTTP/1.1", "GET /two HTTP/1.1"]


def test_without_the_second_try_the_dropped_connection_is_an_error():
    """The case above is real: a plain requests session fails on it."""
    with DroppingServer().running() as server:
        session = requests.Session()
        session.get(server.url + "/one", timeout=(1, 5))
        with pytest.raises(requests.ConnectionError):
            session.get(server.url + "/two", timeout=(1, 5))


def test_a_timed_out_request_is_not_sent_again():
    with DroppingServer(silent=True).running() as server:
        session = pooled_session(pool_connections=1, pool_maxsize=1)
        with pytest.raises(requests.ReadTimeout):
            session.get(server.url + "/slow", timeout=(1, 0.2))
    assert server.requests == ["GET /slow HTTP/1.1"]


def test_the_metadata_client_survives_the_gateway_closing_an_idle_connection():
    with DroppingServer(body=b'{"name": "zlib", "latest_version": "1.2.11"}').running() as server:
        client = MetadataClient(server.url, timeout=(1, 5))
        answers = [client.artifact("main", "zlib") for _ in range(3)]
    assert [answer["latest_version"] for answer in answers] == ["1.2.11"] * 3


def test_a_batch_look_up_only_reads_so_it_is_sent_again_too():
    with DroppingServer(body=b'{"items": []}').running() as server:
        client = MetadataClient(server.url, timeout=(1, 5))
        answers = [client.batch_files("main", ["zlib"]) for _ in range(2)]
    assert answers == [[], []]
    assert [line.split()[0] for line in server.requests] == ["POST"] * 3


def test_the_metadata_client_reports_a_gateway_that_stays_unreachable():
    with DroppingServer(silent=True).running() as server:
        client = MetadataClient(server.url, timeout=(1, 0.2))
        with pytest.raises(UpstreamError) as raised:
            client.artifact("main", "zlib")
    assert raised.value.code == "gateway_unavailable"
    assert len(server.requests) == 1
