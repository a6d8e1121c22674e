"""Finding 3: `&` and `=` inside query values were not escaped in the response cache key, so
`?label=X%26style%3Dflat-square` and `?label=X&style=flat-square` shared an entry."""

from __future__ import annotations

import uuid
from urllib.parse import quote
from urllib.parse import urlencode

import pytest
import requests
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from common import sbom_negotiation
from gateway.cache_keys import RequestFacts
from gateway.cache_keys import cache_key
from tests.security.conftest import request

ALPHABET = st.sampled_from("ab&=%;+ ?#/\\\x00é")
TEXT = st.text(ALPHABET, max_size=6)
ACCEPTS = st.sampled_from(
    [
        None,
        "",
        "*/*",
        "application/json",
        "application/spdx+json",
        "application/spdx+json;q=2, */*",
        "application/vnd.cyclonedx+json; version=1.5",
        "application/vnd.cyclonedx+json;version=1.5, application/spdx+json;q=0.9",
        "text/html",
    ]
)
PATHS = st.sampled_from(
    [
        "/main/zlib/badges/version.svg",
        "/main/zlib/badges",
        "/main/linux-64/zlib-1.2.11-h7b6447c_3.conda.cdx.json",
        "/main/linux-64/zlib-1.2.11-h7b6447c_3.conda/sbom.json",
    ]
)
REQUESTS = st.builds(
    RequestFacts,
    method=st.sampled_from(["GET", "HEAD"]),
    path=PATHS,
    query=st.lists(st.tuples(TEXT, TEXT), max_size=4).map(tuple),
    accept=ACCEPTS,
    base_url=st.sampled_from(["http://127.0.0.1:8080", "https://badges.example"]),
)


def what_the_service_sees(facts: RequestFacts):
    """Everything the services' answer depends on: the query as the service parses it after
    the gateway forwards it (token dropped), the negotiated SBOM format, the base URL."""
    sent = requests.Request(
        "GET", "http://service" + quote(facts.path), params=list(facts.forwarded_query())
    ).prepare()
    query = sent.url.partition("?")[2]
    parsed = Request(EnvironBuilder(query_string=query).get_environ()).args
    variant = None  # the badges service never reads Accept; the SBOM service negotiates on it
    if facts.path.endswith((".cdx.json", ".spdx.json", "/sbom.json")):
        family = sbom_negotiation.family_of(facts.path)
        try:
            variant = sbom_negotiation.choose(family, parsed.get("format"), facts.accept).key
        except Exception as error:  # the service answers an error the Accept alone decides
            variant = type(error).__name__
    return (facts.method, facts.path, parsed.to_dict(flat=False), variant, facts.base_url)


@settings(max_examples=600, deadline=None)
@given(REQUESTS, REQUESTS)
@example(
    RequestFacts("GET", "/main/zlib/badges/version.svg", (("label", "X&style=flat-square"),)),
    RequestFacts(
        "GET", "/main/zlib/badges/version.svg", (("label", "X"), ("style", "flat-square"))
    ),
)
@example(
    RequestFacts("GET", "/main/zlib/badges/version.svg", (("link", "a"), ("link", "b"))),
    RequestFacts("GET", "/main/zlib/badges/version.svg", (("link", "b"), ("link", "a"))),
)
def test_requests_with_different_answers_never_share_a_key(first, second):
    if cache_key(first) == cache_key(second):
        assert what_the_service_sees(first) == what_the_service_sees(second)


@given(REQUESTS)
def test_keys_never_hold_a_token(facts):
    secret = "eyJhbGciOiJIUzI1NiJ9.e30.c2VjcmV0LXNpZ25hdHVyZQ"
    tokened = RequestFacts(
        facts.method, facts.path, (*facts.query, ("token", secret)), facts.accept, facts.base_url
    )
    assert secret not in cache_key(tokened)
    assert cache_key(tokened) == cache_key(facts)


@pytest.mark.integration
def test_an_escaped_ampersand_cannot_deface_another_badge(attacked):
    label = "X" + uuid.uuid4().hex[:6]
    hostile = "?" + urlencode({"label": f"{label}&style=flat-square"})
    victim = "?" + urlencode({"label": label, "style": "flat-square"})
    path = "/main/zlib/badges/version.svg"
    poisoned = request(attacked.gateway_url, path + hostile)
    assert poisoned.status in (200, 400)
    through_gateway = request(attacked.gateway_url, path + victim, source="127.0.0.41")
    direct = request(attacked.badges_url, path + victim)
    assert through_gateway.body == direct.body
