"""A zstd bomb `.conda` (issue 20, item 3), built from a real package: zlib's own `info/`
members and its `pkg-` member, plus 16 info files of 60 MiB zeros each (about 60 kB packed)."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import zstandard

BOMB_FILES = 16
BOMB_FILE_BYTES = 60 * 1024 * 1024


class _Zeros(io.RawIOBase):
    """`size` zero bytes, read in chunks (never held in memory at once)."""

    def __init__(self, size: int):
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.left)
        buffer[:count] = bytes(count)
        self.left -= count
        return count


def _bomb_info(real_info: bytes) -> bytes:
    """The real info tar (zstd) with the zero files appended, compressed again (streamed)."""
    packed = io.BytesIO()
    compressor = zstandard.ZstdCompressor(level=19)
    reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(real_info))
    with (
        compressor.stream_writer(packed, closefd=False) as sink,
        tarfile.open(fileobj=sink, mode="w|") as out,
    ):
        with tarfile.open(fileobj=reader, mode="r|") as source:
            for member in source:
                out.addfile(member, source.extractfile(member) if member.isfile() else None)
        for index in range(BOMB_FILES):
            member = tarfile.TarInfo(f"info/licenses/zeros-{index:02}.txt")
            member.size = BOMB_FILE_BYTES
            out.addfile(member, io.BufferedReader(_Zeros(BOMB_FILE_BYTES), 1 << 20))
    return packed.getvalue()


def build_bomb(real_conda: Path, out: Path) -> Path:
    """Write the bomb, under the real package's file name, to the folder `out`."""
    stem = real_conda.name.removesuffix(".conda")
    target = out / real_conda.name
    with zipfile.ZipFile(real_conda) as source, zipfile.ZipFile(target, "w") as bomb:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == f"info-{stem}.tar.zst":
                data = _bomb_info(data)
            bomb.writestr(item, data)
    return target
