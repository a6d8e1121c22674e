"""Reading the `info/` members of one archive within fixed bounds (memory and document size).

Only the members the document is made from are kept: the structured ones (`paths.json`,
`about.json`, the rendered recipe, ...) up to MAX_INFO_MEMBER bytes each, texts (licenses,
patches) up to what a document may quote of them; every kept byte counts against
MAX_INFO_TOTAL for the whole archive. Every member is streamed through, so its size and
sha256 are known however large it is, and a member over a bound is named in a note. At most
MAX_LISTED member names are listed.
"""

from __future__ import annotations

import hashlib
import tarfile
from dataclasses import dataclass
from dataclasses import field

CHUNK = 1 << 16
MAX_TEXT = 100_000  # characters quoted of one text (license, patch); a longer one is cut
MAX_TEXTS = 400_000  # characters quoted of all texts of one document together
MAX_INFO_MEMBER = 8 * 1024 * 1024  # bytes kept of one structured info/ member
MAX_INFO_TOTAL = 16 * 1024 * 1024  # bytes kept of all info/ members of one archive
MAX_LISTED = 10_000  # info/ member names listed in a document
TEXT_KEEP = 4 * MAX_TEXT + 4  # bytes that hold MAX_TEXT characters (and one more) in UTF-8
STRUCTURED = frozenset(
    {
        "info/paths.json",
        "info/files",
        "info/has_prefix",
        "info/no_link",
        "info/about.json",
        "info/index.json",
        "info/run_exports.json",
        "info/recipe/meta.yaml",
        "info/recipe/rendered_recipe.yaml",
    }
)


def member_kind(name: str) -> str | None:
    """`structured` (parsed whole), `text` (quoted up to MAX_TEXT) or None (only listed)."""
    if name in STRUCTURED:
        return "structured"
    if name == "info/LICENSE.txt" or name.startswith("info/licenses/"):
        return "text"
    if name.startswith("info/recipe/") and name.endswith((".patch", ".diff")):
        return "text"
    return None


@dataclass
class InfoMembers:
    """What was read of an archive's `info/` members (see the module docstring)."""

    data: dict[str, bytes] = field(default_factory=dict)  # kept bytes, by member name
    digests: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> (sha256, size)
    listed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kept: int = 0
    unlisted: int = 0

    def add(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        """Stream one member through: keep what its kind allows, hash and size all of it."""
        if len(self.listed) < MAX_LISTED:
            self.listed.append(member.name)
        else:
            self.unlisted += 1
        kind = member_kind(member.name)
        if not member.isfile() or kind is None:
            return  # only its name is needed; tarfile skips its bytes without keeping them
        handle = tar.extractfile(member)
        if handle is None:
            return
        room = min(
            MAX_INFO_TOTAL - self.kept, MAX_INFO_MEMBER if kind == "structured" else TEXT_KEEP
        )
        digest, size, kept = hashlib.sha256(), 0, bytearray()
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if len(kept) < room:
                kept += chunk[: room - len(kept)]
        self._keep(member.name, kind, bytes(kept), digest.hexdigest(), size)

    def _keep(self, name: str, kind: str, kept: bytes, sha256: str, size: int) -> None:
        self.digests[name] = (sha256, size)
        if kind == "structured" and len(kept) < size:
            self.notes.append(
                f"{name} ({size} bytes) is over the {MAX_INFO_MEMBER}-byte bound for one info "
                f"file or the {MAX_INFO_TOTAL}-byte bound for all of them: it is not read"
            )
            return
        self.data[name] = kept
        self.kept += len(kept)

    def finish(self) -> list[str]:
        """Notes on what was left out (to go into the document)."""
        if self.unlisted:
            self.notes.append(
                f"{self.unlisted} more info files are not listed (at most {MAX_LISTED} are)"
            )
        return self.notes


def cap_texts(texts: list[dict]) -> None:
    """Cut quoted texts (`text`, `truncated`) to at most MAX_TEXTS characters together."""
    room = MAX_TEXTS
    for entry in texts:
        if len(entry["text"]) > room:
            entry["text"], entry["truncated"] = entry["text"][:room], True
        room -= len(entry["text"])
