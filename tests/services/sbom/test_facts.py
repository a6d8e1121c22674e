"""Gathering facts through the metadata client (a fake answering from the real repodata)."""

from __future__ import annotations

import pytest

from common.errors import NotFound
from services.sbom.facts import check_usable
from services.sbom.facts import gather
from tests.services.sbom.fakes import FakeMetadataClient
from tests.services.sbom.realdata import facts_for
from tests.services.sbom.realdata import find
from tests.services.sbom.test_cyclonedx import ZLIB_CVE


def test_gathered_facts_equal_the_facts_built_from_repodata():
    client = FakeMetadataClient()
    facts = gather(
        client, "private", None, "linux-64", "r-base-3.4.2-haf99962_0.tar.bz2", "good-token"
    )
    expected = facts_for(find("private", "linux-64", "r-base-3.4.2-haf99962_0.tar.bz2"))
    assert facts.file == expected.file
    assert facts.candidates == expected.candidates
    assert facts.graph() == expected.graph()
    assert facts.candidates["libgcc-ng"] is None  # not in the r channel
    # only the chosen file of each dependency is kept
    assert all(len(files) <= 1 for files in facts.candidates.values() if files is not None)
    assert all(call[4] == "good-token" for call in client.calls)


def test_only_direct_dependencies_are_looked_up_by_default():
    client = FakeMetadataClient()
    facts = gather(client, "test-recipes", None, "noarch", "another_dependent-1.0-0.conda")
    assert set(facts.candidates) == {"dependent"}
    deep = gather(
        client, "test-recipes", None, "noarch", "another_dependent-1.0-0.conda", depth=None
    )
    assert set(deep.candidates) == {"dependent", "dependency"}
    assert deep.key() != facts.key()


def test_cves_are_kept_for_the_file_or_the_whole_package():
    other = {
        **ZLIB_CVE,
        "id": "CVE-2022-37434",
        "affected_files": ["linux-64/zlib-1.2.11-h7b6447c_3.tar.bz2"],
    }
    client = FakeMetadataClient(cves={"zlib": [ZLIB_CVE, other]})
    conda = gather(client, "main", None, "linux-64", "zlib-1.2.11-h7b6447c_3.conda")
    assert [c["id"] for c in conda.cves] == ["CVE-2018-25032"]
    bz2 = gather(client, "main", None, "linux-64", "zlib-1.2.11-h7b6447c_3.tar.bz2")
    assert [c["id"] for c in bz2.cves] == ["CVE-2018-25032", "CVE-2022-37434"]


def test_a_cve_naming_a_file_in_one_subdir_is_not_kept_for_its_namesake_in_another():
    # zlib-1.2.11-h62dcd97_3.tar.bz2 is in both win-32 and win-64 of the real `main` channel
    name = "zlib-1.2.11-h62dcd97_3.tar.bz2"
    only_win64 = {**ZLIB_CVE, "id": "CVE-2022-37434", "affected_files": [f"win-64/{name}"]}
    client = FakeMetadataClient(cves={"zlib": [only_win64]})
    assert [c["id"] for c in gather(client, "main", None, "win-64", name).cves] == [
        "CVE-2022-37434"
    ]
    assert gather(client, "main", None, "win-32", name).cves == []


@pytest.mark.parametrize(
    ("channel", "subdir", "filename", "code"),
    [
        ("nope", "linux-64", "zlib-1.2.11-h7b6447c_3.conda", "channel_not_found"),
        ("private", "linux-64", "r-base-3.4.2-haf99962_0.tar.bz2", "channel_not_found"),
        ("main", "linux-64", "nothere-1.0-0.conda", "file_not_found"),
        ("main", "linux-aarch64", "zlib-1.2.11-h7b6447c_3.conda", "subdir_not_found"),
        ("main", "linux-64", "zlib-1.2.11-h7b6447c_4.conda", "file_not_found"),
    ],
)
def test_not_found_names_what_is_missing(channel, subdir, filename, code):
    with pytest.raises(NotFound) as caught:
        gather(FakeMetadataClient(), channel, None, subdir, filename)  # no token
    assert caught.value.code == code


def test_a_file_without_sha256_has_no_sbom():
    file = dict(facts_for(find("main", "linux-64", "zlib-1.2.11-h7b6447c_3.conda")).file)
    file["sha256"] = None
    with pytest.raises(NotFound) as caught:
        check_usable(file)
    assert caught.value.code == "sbom_unavailable"
    assert caught.value.details == {"reason": "missing sha256"}


def test_facts_key_changes_with_any_fact():
    record = find("main", "linux-64", "zlib-1.2.11-h7b6447c_3.conda")
    assert facts_for(record).key() == facts_for(record).key()
    assert facts_for(record).key() != facts_for(record, [ZLIB_CVE]).key()


def test_dependencies_are_looked_up_in_one_batch_call_per_graph_level():
    client = FakeMetadataClient()
    filename = "rstudio-1.1.423-hcfd39f1_0.tar.bz2"
    facts = gather(client, "private", None, "linux-64", filename, "good-token")
    depends = find("private", "linux-64", filename).raw["depends"]
    batches = [c for c in client.calls if c[0] == "batch"]
    files_calls = [c for c in client.calls if c[0] == "files"]
    assert len(batches) == 1 and len(depends) == 47
    assert sorted(batches[0][2]) == sorted(d for d in depends if not d.startswith("__"))
    assert len(files_calls) == 1 and files_calls[0][2] == "rstudio"  # the file itself only
    deep = gather(
        client, "test-recipes", None, "noarch", "another_dependent-1.0-0.conda", depth=None
    )
    assert deep.candidates and len([c for c in client.calls if c[0] == "batch"]) == 1 + 2
    expected = facts_for(find("private", "linux-64", filename))
    assert (facts.candidates, facts.graph()) == (expected.candidates, expected.graph())
