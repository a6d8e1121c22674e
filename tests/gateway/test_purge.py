"""`conda-badges-purge`'s choice of what to delete (gateway/purge.py); the command itself runs
against a real edge and Redis in tests/deploy/test_edge_withdrawal.py."""

import pytest

from gateway.cache_keys import RequestFacts
from gateway.cache_keys import cache_key
from gateway.purge import channel_of_path
from gateway.purge import names_channel
from gateway.purge import response_key_path


@pytest.mark.parametrize(
    ("path", "channel"),
    [
        ("/api/channels/recipes/artifacts/conda/zlib", "recipes"),
        ("/api/channels/Recipes", "recipes"),
        ("/recipes/zlib/badges/version.svg", "recipes"),
        ("/recipes/label/dev/zlib/badges", "recipes"),
        ("/recipes/noarch/zlib-1.0-0.conda.cdx.json", "recipes"),
        ("/%72ecipes/zlib/badges/version.svg", "recipes"),
        ("/ui/fragments/cves/recipes/zlib", "recipes"),
        ("/api/channels", None),
        ("/t/anything/recipes/zlib/badges", None),
        ("/.well-known/conda-badges/sbom-keys.json", None),
    ],
)
def test_the_channel_a_path_is_about(path, channel):
    assert channel_of_path(path) == channel


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("http://edge.example/recipes/zlib/badges/version.svg?label=x", True),
        ("http://edge.example/api/channels?page=2", True),  # a listing may name it
        ("http://edge.example/", True),
        ("http://edge.example/ui/fragments/results?q=zlib&channel=recipes", True),
        ("http://edge.example/main/zlib/badges/version.svg", False),
        ("http://edge.example/recipes-two/zlib/badges/version.svg", False),
        ("http://edge.example/ui/fragments/results?q=zlib&channel=main", False),
    ],
)
def test_which_edge_entries_a_purge_removes(url, named):
    assert names_channel(url, "recipes") is named


def test_the_path_inside_a_response_cache_key():
    path = "/recipes/noarch/a b%-1.0-0.conda.cdx.json"
    facts = RequestFacts("GET", path, (("label", "x y"),), None, "http://edge.example")
    assert response_key_path(cache_key(facts)) == path
