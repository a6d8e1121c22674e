"""CVSS base scores computed from vectors (the `cvss` library), one per CVSS version."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from cvss import CVSS2
from cvss import CVSS3
from cvss import CVSS4
from cvss.exceptions import CVSSError

from vulns.model import ScoreCandidate

# The CVSS version the single `score` of a CVE comes from, in order of preference: CVSS 3.x as
# the Anaconda Platform presents it, then 4.0, then 2.0.
PREFERRED = ("3.1", "3.0", "4.0", "2.0")


def severity_of(score: float | None, version: str = "3.1") -> str:
    """The qualitative severity of a base score (CVSS v3/v4 bands; v2 has no none/critical)."""
    if score is None:
        return "unknown"
    if version.startswith("2"):
        return "low" if score < 4.0 else "medium" if score < 7.0 else "high"
    if score == 0:
        return "none"
    if score < 4.0:
        return "low"
    if score < 7.0:
        return "medium"
    if score < 9.0:
        return "high"
    return "critical"


@lru_cache(maxsize=8192)
def compute(vector: str) -> tuple[str, str, float] | None:
    """(CVSS version, clean vector, base score) for a vector string, or None if it is invalid."""
    text = vector.strip()
    try:
        if text.startswith("CVSS:4.0/"):
            parsed4 = CVSS4(text)
            return "4.0", parsed4.clean_vector(), float(parsed4.base_score)
        if text.startswith(("CVSS:3.0/", "CVSS:3.1/")):
            parsed3 = CVSS3(text)
            return text[5:8], parsed3.clean_vector(), float(parsed3.base_score)
        parsed2 = CVSS2(text)
        return "2.0", parsed2.clean_vector(), float(parsed2.base_score)
    except (CVSSError, ValueError, KeyError, IndexError):
        return None


def best_scores(candidates: Iterable[ScoreCandidate]) -> tuple[dict[str, dict], list[str]]:
    """Per CVSS version the preferred source's score, and the vectors that could not be read."""
    chosen: dict[str, tuple[int, dict]] = {}
    invalid = []
    for candidate in candidates:
        computed = compute(candidate.vector)
        if computed is None:
            invalid.append(candidate.vector)
            continue
        version, vector, score = computed
        entry = {
            "score": score,
            "vector": vector,
            "severity": severity_of(score, version),
            "source": candidate.source,
        }
        if version not in chosen or candidate.rank < chosen[version][0]:
            chosen[version] = (candidate.rank, entry)
    ordered = {v: chosen[v][1] for v in sorted(chosen, reverse=True)}
    return ordered, invalid


def headline(scores: dict[str, dict]) -> tuple[float | None, str | None]:
    """The single score of a CVE (preferred CVSS version) and the version it came from."""
    for version in PREFERRED:
        if version in scores:
            return scores[version]["score"], version
    return None, None
