"""Names that arrive in URLs."""

import pytest

from common import names
from common.errors import InvalidName


@pytest.mark.parametrize(
    "bad", ["", "..", "../etc", "a/b", "a\\b", "bad\x00name", "tab\tname", "x" * 256, "$(rm)"]
)
def test_bad_package_names_are_refused(bad):
    with pytest.raises(InvalidName):
        names.package_name(bad)


def test_good_names_pass():
    assert names.package_name("r-base") == "r-base"
    assert names.channel_name("test-recipes") == "test-recipes"
    assert names.subdir_name("linux-64") == "linux-64"
    assert names.subdir_name("noarch") == "noarch"


def test_split_file_name():
    assert names.split_file_name("zlib-1.2.11-h7b6447c_3.tar.bz2") == (
        "zlib",
        "1.2.11",
        "h7b6447c_3",
        "tar.bz2",
    )
    assert names.split_file_name("another_dependent-1.0-0.conda")[0] == "another_dependent"
    with pytest.raises(InvalidName):
        names.split_file_name("zlib.conda")
    with pytest.raises(InvalidName):
        names.file_name("zlib-1.2.11-0.zip")
