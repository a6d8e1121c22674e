"""Real archives of the embedded channels, and their repodata records, for contents tests."""

from __future__ import annotations

from runner.embedded import archives  # noqa: F401 - the contents tests import them from here
from runner.embedded import local_ref  # noqa: F401
from runner.embedded import record_of  # noqa: F401
from tests.conftest import CHANNELS

ZLIB_CONDA = CHANNELS / "main" / "linux-64" / "zlib-1.2.11-h7b6447c_3.conda"
ZLIB_BZ2 = CHANNELS / "main" / "linux-64" / "zlib-1.2.11-h7b6447c_3.tar.bz2"
