"""The response cache key: what may and may not make two requests share an answer."""

from common import sbom_negotiation
from gateway.cache_keys import RequestFacts
from gateway.cache_keys import cache_key

BADGE = "/main/zlib/badges/version.svg"
SBOM = "/main/linux-64/zlib-1.2.11-h7b6447c_3.conda"


def key(path=BADGE, query=(), accept=None, base="http://x", method="GET") -> str:
    return cache_key(RequestFacts(method, path, tuple(query), accept, base))


def test_the_order_of_different_names_does_not_matter_but_the_order_of_one_names_values_does():
    assert key(query=[("label", "v"), ("color", "red")]) == key(
        query=[("color", "red"), ("label", "v")]
    )
    assert key(query=[("link", "a"), ("link", "b")]) != key(query=[("link", "b"), ("link", "a")])


def test_tokens_never_reach_a_key():
    assert key(query=[("token", "eyJx.y.z")]) == key()
    assert "eyJx" not in key(query=[("token", "eyJx.y.z")])


def test_separators_inside_values_are_escaped():
    assert key(query=[("label", "X&style=flat")]) != key(query=[("label", "X"), ("style", "flat")])
    assert key(query=[("a", "b c")]) != key(query=[("a", "b"), ("c", "")])


def test_badges_ignore_accept_but_sboms_key_on_the_negotiated_format():
    assert key(accept="image/svg+xml") == key(accept="*/*") == key()
    negotiated = SBOM + "/sbom.json"
    assert key(negotiated, accept="*/*") == key(negotiated) == key(negotiated, accept="a/b, */*")
    assert key(negotiated, accept="application/spdx+json;q=2, */*") != key(negotiated)
    assert key(SBOM + ".cdx.json", accept="application/spdx+json") == key(SBOM + ".cdx.json")
    cdx15 = "application/vnd.cyclonedx+json; version=1.5"
    assert key(SBOM + ".cdx.json", accept=cdx15) != key(SBOM + ".cdx.json")


def test_method_and_base_url_are_part_of_the_key():
    assert key(method="HEAD") != key()
    assert key(base="https://a.example") != key(base="https://b.example")


CDX_15 = "application/vnd.cyclonedx+json; version=1.5"


def test_every_sbom_document_route_is_keyed_by_the_format_it_negotiates():
    from gateway.proxy import SBOM_PATH
    from tests.conftest import sbom_document_paths

    paths = sbom_document_paths(SBOM)
    assert any(p.endswith(".intoto.json") for p in paths) and len(paths) >= 5
    for path in paths:
        assert SBOM_PATH.match(path), path
        facts = RequestFacts("GET", path, (), CDX_15)
        assert facts.sbom_variant(), f"{path} is keyed without its negotiated format"
        if sbom_negotiation.family_of(path) in (None, "cyclonedx"):  # Accept picks a version
            assert key(path, accept=CDX_15) != key(path), path
