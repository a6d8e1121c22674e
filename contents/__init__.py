"""Package contents: what is inside a conda package file, read cheaply, verified, cached forever.

The interface is `ContentsService.get(ArchiveRef)`, which answers the contents document (a
JSON-ready dict, see `contents.info.parse_info`) of one package file: its paths with hashes,
`about.json`, `index.json`, `run_exports.json`, license texts, the recipe, the Python
distributions it ships, and what was verified about the archive. See docs/contents.md.
"""

from contents.archive import ArchiveRef
from contents.info import SCHEMA
from contents.info import parse_info
from contents.service import ContentsService

__all__ = ["SCHEMA", "ArchiveRef", "ContentsService", "parse_info"]
