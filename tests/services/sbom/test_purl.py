"""purl for conda files, per the purl spec's conda type."""

from packageurl import PackageURL

from services.sbom.purl import channel_qualifier
from services.sbom.purl import conda_purl
from services.sbom.purl import file_purl
from tests.services.sbom.realdata import file_entry
from tests.services.sbom.realdata import find


def test_conda_file_purl_has_every_qualifier_sorted():
    entry = file_entry(find("main", "linux-64", "zlib-1.2.11-h7b6447c_3.conda"))
    assert file_purl(entry, "main", None) == (
        "pkg:conda/zlib@1.2.11?build=h7b6447c_3&channel=main&subdir=linux-64&type=conda"
    )


def test_tar_bz2_file_and_label_channel():
    entry = file_entry(find("main", "win-64", "zlib-1.2.11-h62dcd97_3.tar.bz2"))
    purl = file_purl(entry, "main", "dev")
    parsed = PackageURL.from_string(purl)
    assert parsed.type == "conda" and parsed.namespace is None
    assert parsed.qualifiers == {
        "build": "h62dcd97_3",
        "channel": "main/label/dev",
        "subdir": "win-64",
        "type": "tar.bz2",
    }


def test_spec_example_round_trips():
    # the purl spec's own example for conda
    assert (
        conda_purl(
            "absl-py",
            "0.4.1",
            "py36h06a4308_0",
            "linux-64",
            "absl-py-0.4.1-py36h06a4308_0.tar.bz2",
            "main",
        )
        == "pkg:conda/absl-py@0.4.1?build=py36h06a4308_0&channel=main&subdir=linux-64&type=tar.bz2"
    )


def test_channel_qualifier():
    assert channel_qualifier("private", None) == "private"
    assert channel_qualifier("private", "beta") == "private/label/beta"
