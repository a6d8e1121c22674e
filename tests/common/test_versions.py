"""Conda version ordering."""

import pytest

from common.versions import highest_version
from common.versions import is_prerelease
from common.versions import sort_versions


def test_conda_ordering_not_string_ordering():
    assert sort_versions(["1.2.11", "1.2.8", "1.10", "1.9"]) == ["1.2.8", "1.2.11", "1.9", "1.10"]


def test_prereleases_sort_before_the_release():
    assert sort_versions(["2.0", "2.0rc1", "2.0dev0", "1.9"]) == ["1.9", "2.0dev0", "2.0rc1", "2.0"]


def test_duplicates_are_dropped_and_highest_found():
    versions = ["7.4.4", "8.3.4", "7.4.4", "3.10.0", "3.9.3"]
    assert sort_versions(versions) == ["3.9.3", "3.10.0", "7.4.4", "8.3.4"]
    assert highest_version(versions) == "8.3.4"
    assert highest_version([]) is None


@pytest.mark.parametrize(
    ("version", "pre"),
    [("1.2.11", False), ("0.9.1", True), ("2.0rc1", True), ("3.1.dev2", True), ("10.0", False)],
)
def test_is_prerelease(version, pre):
    assert is_prerelease(version) is pre
