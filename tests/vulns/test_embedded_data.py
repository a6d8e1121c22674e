"""The embedded vulnerability data is what its PROVENANCE says, and its curation is true."""

from __future__ import annotations

import hashlib
import re
import tarfile

from tests.conftest import CHANNELS
from tests.conftest import DATA
from tests.conftest import VULN_RECORDS


def test_every_file_matches_its_provenance_row():
    text = (VULN_RECORDS / "PROVENANCE.md").read_text()
    rows = re.findall(r"^\| `([^`]+)` \|.*?\| (\d+) \| `([0-9a-f]{64})` \|", text, re.MULTILINE)
    listed = {path for path, _, _ in rows}
    on_disk = {
        str(p.relative_to(VULN_RECORDS))
        for p in VULN_RECORDS.rglob("*")
        if p.is_file() and p.suffix in (".json", ".yaml")
    }
    assert listed == on_disk
    for path, size, sha256 in rows:
        data = (VULN_RECORDS / path).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (int(size), sha256), path


def test_the_main_channels_zlib_ships_no_minizip():
    """data/vex/main.openvex.json clears CVE-2023-45853 (MiniZip) for zlib 1.2.11: check it."""
    assert "CVE-2023-45853" in (DATA / "vex" / "main.openvex.json").read_text()
    archives = sorted(CHANNELS.glob("main/*/zlib-1.2.11-*.tar.bz2"))
    assert len(archives) == 4
    for archive in archives:
        with tarfile.open(archive) as package:
            names = [n.lower() for n in package.getnames()]
        assert any(n.endswith(("zlib.h", "libz.so", "zlib.dll")) for n in names), archive
        assert not [n for n in names if "minizip" in n or n.endswith(("/zip.h", "/unzip.h"))]
