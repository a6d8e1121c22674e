"""Files made once in STATE_DIR (dev secrets and keys): private, whole, and the same for all."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


def create_once(path: Path, make: Callable[[], bytes], what: str) -> bool:
    """Write `make()` to `path` (mode 0600) unless it exists; True if this call created it.

    The bytes go to a private temporary file which is then hard-linked to `path`: linking
    fails if `path` exists, so when processes race the first one wins, and nobody ever sees a
    half-written file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return False
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # 0600, O_EXCL
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(make())
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        log.info("created %s at %s", what, path)
        return True
    finally:
        os.unlink(tmp)
