"""Independent readings of the real lockfiles in data/lockfiles (plain PyYAML / text), which
the environments package's answers are checked against."""

from __future__ import annotations

import io
import json
import re
import tarfile
import zipfile
from functools import cache
from pathlib import Path

import yaml
import zstandard

from tests.conftest import DATA

LOCKS = DATA / "lockfiles"
CHANNELS_DIR = DATA / "channels"
MIRROR = "https://repo.anaconda.com/pkgs/main"  # a mirror of `main` in data/channels.toml
ZLIB = "zlib-1.2.11-h7b6447c_3.conda"
PIXI = sorted((LOCKS / "pixi-lock").glob("*.pixi.lock"))
CONDA_LOCK = sorted((LOCKS / "conda-lock").glob("*.yml"))
EXPLICIT = sorted((LOCKS / "explicit").glob("*.txt"))
CONDA_META = sorted((LOCKS / "conda-meta").glob("*.json"))
ENVIRONMENT_YML = sorted((LOCKS / "environment-yml").glob("*.yml"))
ALL_LOCKS = PIXI + CONDA_LOCK + EXPLICIT + CONDA_META


@cache
def load_yaml(path: Path) -> dict:
    """The YAML document of a lockfile (C loader when PyYAML has it), read once per test run."""
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


def pixi_expected(path: Path) -> dict[tuple[str, str], list[tuple[str, str | None]]]:
    """(env, platform) -> [(location, sha256)] as the pixi.lock YAML lists them."""
    doc = load_yaml(path)
    facts: dict[str, list] = {}
    for entry in doc["packages"]:
        location = entry.get("conda", entry.get("pypi"))
        facts.setdefault(location, []).append(entry)
    expected = {}
    for env, body in doc["environments"].items():
        for platform, refs in (body.get("packages") or {}).items():
            rows = []
            for ref in refs:
                location = ref.get("conda", ref.get("pypi"))
                entries = facts[location]
                rows.append((location, entries[0].get("sha256") if len(entries) == 1 else None))
            expected[(env, platform)] = sorted(rows, key=str)
    return expected


def conda_lock_expected(path: Path) -> dict[str, list[tuple[str, str | None]]]:
    """platform -> [(url, sha256)] of a conda-lock.yml, virtual packages left out."""
    doc = load_yaml(path)
    expected: dict[str, list] = {p: [] for p in doc["metadata"]["platforms"]}
    for entry in doc["package"]:
        if not entry["name"].startswith("__"):
            expected[entry["platform"]].append((entry["url"], entry["hash"].get("sha256")))
    return {p: sorted(rows) for p, rows in expected.items()}


def explicit_expected(path: Path) -> list[tuple[str, str]]:
    """[(url, anchor)] of an @EXPLICIT file's URL lines."""
    lines = path.read_text().split("@EXPLICIT", 1)[1].splitlines()
    pairs = [line.strip().partition("#") for line in lines if re.match(r"^\s*https?://", line)]
    return sorted((url, anchor) for url, _, anchor in pairs)


def pixi_edges(path: Path, env: str, platform: str) -> dict[str, set[str]]:
    """name -> names of the locked conda packages its depends name (from the YAML)."""
    doc = load_yaml(path)
    entries = {}
    for entry in doc["packages"]:
        if "conda" in entry:
            entries.setdefault(entry["conda"], []).append(entry)
    locked = []
    for ref in doc["environments"][env]["packages"][platform]:
        if "conda" in ref:
            candidates = entries[ref["conda"]]
            locked.append(candidates[0])
    names = {e.get("name") or _name_of(e["conda"]) for e in locked}
    return {
        (e.get("name") or _name_of(e["conda"])): {
            d.split()[0] for d in e.get("depends", []) if d.split()[0] in names
        }
        - {e.get("name") or _name_of(e["conda"])}
        for e in locked
    }


def _name_of(url: str) -> str:
    return url.rsplit("/", 1)[1].rsplit("-", 2)[0]


def conda_lock_edges(path: Path, platform: str) -> dict[str, set[str]]:
    """name -> names of the locked packages its `dependencies` name (conda entries)."""
    doc = load_yaml(path)
    locked = [
        e
        for e in doc["package"]
        if e["platform"] == platform and e["manager"] == "conda" and not e["name"].startswith("__")
    ]
    names = {e["name"] for e in locked}
    return {e["name"]: set(e.get("dependencies") or {}) & names - {e["name"]} for e in locked}


def channel_records(channel: str, subdir: str) -> dict:
    doc = json.loads((CHANNELS_DIR / channel / subdir / "repodata.json").read_text())
    return {**doc.get("packages", {}), **doc.get("packages.conda", {})}


def explicit(base: str, subdir: str, records: dict, anchor: str = "sha256") -> bytes:
    """An explicit file of real repodata records under a base URL (`#sha256:` or md5)."""
    lines = [
        f"{base}/{subdir}/{fn}#" + (f"sha256:{r['sha256']}" if anchor == "sha256" else r["md5"])
        for fn, r in sorted(records.items())
    ]
    return ("# platform: " + subdir + "\n@EXPLICIT\n" + "\n".join(lines) + "\n").encode()


def archive_paths(path) -> list[str]:
    """paths.json's `_path`s of a .conda (zip of tar.zst) or .tar.bz2 archive."""
    if path.name.endswith(".tar.bz2"):
        with tarfile.open(path) as archive:
            member = archive.extractfile("info/paths.json")
            return [p["_path"] for p in json.load(member)["paths"]]
    with zipfile.ZipFile(path) as outer:
        name = next(n for n in outer.namelist() if n.startswith("info-"))
        raw = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(outer.read(name))).read()
    with tarfile.open(fileobj=io.BytesIO(raw)) as archive:
        return [p["_path"] for p in json.load(archive.extractfile("info/paths.json"))["paths"]]
