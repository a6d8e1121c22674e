"""The CPE bridge's data and real lockfile versions, read by the tests with their own small code.

Expected answers come from the records here: plain `json`/`tomllib` reads, an integer-and-letter
version comparison written for the tests (not `vulns.ranges`), and the records' own bounds.
"""

from __future__ import annotations

import ast
import json
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tests.conftest import DATA

NATIVES = DATA / "natives"
BRIDGE_FILE = Path(__file__).resolve().parents[2] / "vulns" / "bridge.toml"
NATIVE_NVD = NATIVES / "evidence" / "nvd"
_URL = re.compile(
    r"https://conda\.anaconda\.org/conda-forge/([a-z0-9-]+)/"
    r"([A-Za-z0-9_.+-]+?)-([^-/]+)-([^-/]+?)\.(conda|tar\.bz2)"
)


@dataclass(frozen=True)
class LockedFile:
    """A conda file named by a real lockfile (what matching reads of a file)."""

    filename: str
    name: str
    version: str
    build: str
    subdir: str


@cache
def bridge() -> dict:
    """The bridge file, parsed with tomllib."""
    return tomllib.loads(BRIDGE_FILE.read_text(encoding="utf-8"))


@cache
def curated() -> dict:
    """The quoted curated evidence entries."""
    return json.loads((NATIVES / "evidence" / "curated.json").read_text(encoding="utf-8"))


def pinning_keys() -> list[str]:
    """The keys after `# Pinning packages` in conda-forge's pinning file (regex, not YAML)."""
    text = (NATIVES / "conda_build_config.yaml").read_text(encoding="utf-8")
    tail = text[text.index("# Pinning packages") :]
    return re.findall(r"^([A-Za-z0-9_.-]+):", tail, re.MULTILINE)


def named_pairs(evidence: str) -> set[tuple[str, str]]:
    """The (vendor, product) pairs one evidence item names, lower-cased."""
    if evidence.endswith(".json"):
        record = json.loads((DATA / evidence).read_text(encoding="utf-8"))
        if "containers" in record:  # CVE 5
            return {(a["vendor"], a["product"]) for a in record["containers"]["cna"]["affected"]}
        found = set()
        for config in record.get("configurations", []):
            for node in config["nodes"]:
                for match in node["cpeMatch"]:
                    parts = match["criteria"].split(":")
                    found.add((parts[3].lower(), parts[4].lower()))
        return found
    entry = curated()[evidence]
    if evidence.startswith("cve-bin-tool:"):
        value = ast.literal_eval(entry["text"].split("=", 1)[1].strip())
        return {(v.lower(), p.lower()) for v, p in value}
    quoted = entry["text"].split("=", 1)[1].strip().strip('"').split()
    return {tuple(t.lower().split(":", 1)) for t in quoted if ":" in t}


def upstream(version: str) -> tuple:
    """`1.1.1u` -> ((1, 1, 1), 'u'); for comparing the tests' own way."""
    numbers, letters = re.fullmatch(r"([\d.]+?)([a-z]*)", version).groups()
    return tuple(int(n) for n in numbers.split(".")), letters


def _at_least(a: str, b: str) -> bool:
    (na, la), (nb, lb) = upstream(a), upstream(b)
    width = max(len(na), len(nb))
    na, nb = na + (0,) * (width - len(na)), nb + (0,) * (width - len(nb))
    return (na, la) >= (nb, lb)


def nvd_ids_including(pairs: set[tuple[str, str]], version: str) -> set[str]:
    """Native NVD records with a vulnerable cpeMatch on `pairs` whose bounds include `version`."""
    found = set()
    for path in sorted(NATIVE_NVD.glob("*.json")) + sorted((DATA / "vulns" / "nvd").glob("*")):
        record = json.loads(path.read_text(encoding="utf-8"))
        for config in record.get("configurations", []):
            if len(config["nodes"]) > 1:
                continue  # AND configurations: not used by the native records tested here
            for match in config["nodes"][0]["cpeMatch"]:
                parts = match["criteria"].split(":")
                if (parts[3], parts[4]) not in pairs or not match["vulnerable"]:
                    continue
                ok = parts[5] in ("*", version)
                if "versionStartIncluding" in match:
                    ok &= _at_least(version, match["versionStartIncluding"])
                if "versionEndExcluding" in match:
                    ok &= not _at_least(version, match["versionEndExcluding"])
                if "versionEndIncluding" in match:
                    ok &= _at_least(match["versionEndIncluding"], version)
                if ok:
                    found.add(record["id"])
    return found


@cache
def locked_files() -> tuple[LockedFile, ...]:
    """Every conda-forge file the copied real lockfiles name (deduplicated)."""
    found = {}
    for path in sorted((NATIVES / "lockfiles").iterdir()):
        for subdir, name, version, build, ext in _URL.findall(path.read_text("utf-8")):
            filename = f"{name}-{version}-{build}.{ext}"
            found[(subdir, filename)] = LockedFile(filename, name, version, build, subdir)
    return tuple(found.values())
