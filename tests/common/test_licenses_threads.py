"""License normalization is the same in every thread of a cold process.

license-expression builds its tables on first use and is not thread-safe while it does: two
gunicorn threads normalizing at once used to get None for "zlib" now and then, cached for the
worker's life, so two SBOM workers wrote different bytes for one file (the ETag flake).
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.processes import REPO

COLD_RUN = """
import json, sys
from concurrent.futures import ThreadPoolExecutor
from common.licenses import normalize_spdx
from services.sbom.cyclonedx import _license
texts = ["zlib", "BSD 3-Clause", "GPL-2", "MIT", "GPL (>= 2)"] * 4
with ThreadPoolExecutor(16) as pool:
    spdx = list(pool.map(normalize_spdx, texts))
_license.cache_clear()
with ThreadPoolExecutor(16) as pool:
    cdx = list(pool.map(lambda t: repr(_license(t, t)), ["Zlib", "MIT", "GPL-2.0-only"] * 6))
print(json.dumps({"spdx": spdx, "cdx": cdx}))
"""


def test_cold_concurrent_normalization_agrees_with_itself():
    for _ in range(6):  # each run is a fresh process: the tables are built under contention
        result = subprocess.run(
            [sys.executable, "-c", COLD_RUN],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        )
        answer = json.loads(result.stdout.strip().splitlines()[-1])
        assert (
            answer["spdx"]
            == ["Zlib", "BSD-3-Clause", "GPL-2.0-only", "MIT", "GPL-2.0-or-later"] * 4
        )
        assert len(set(answer["cdx"][0::3])) == 1 and "Zlib" in answer["cdx"][0]
        assert len(set(answer["cdx"][1::3])) == len(set(answer["cdx"][2::3])) == 1
