"""The labels and messages our badges really draw, for recording badge-maker's widths once.

`python -m tests.common.badge_render.badge_maker_cases > cases.json` lists them: every kind's
badge for every package of the embedded channels (run through the real kinds), the `cves` badge of
every package from its real artifact (the embedded vulnerability data), downloads from the
recorded anaconda.org answer, every error badge, and the gateway's `unavailable` badge.
Large groups are thinned to an even spread, so the fixture stays small; see PROVENANCE.md.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC
from datetime import datetime

from common.licenses import normalize_spdx
from services.badges import kinds
from services.badges.errors import error_badge
from services.badges.kinds import downloads
from services.badges.model import Facts
from tests.conftest import RECORDED
from tests.services.badges.realdata import channel_packages

NOW = datetime(2026, 12, 2, tzinfo=UTC)  # the day the widths were recorded
PER_GROUP = 24  # at most this many messages per kind and channel


def _spread(items: list[tuple[str, str]], count: int) -> list[tuple[str, str]]:
    """`count` items evenly spaced over `items` sorted by length, shortest and longest kept."""
    items = sorted(set(items), key=lambda item: (len(item[0] + item[1]), item))
    if len(items) <= count:
        return items
    step = (len(items) - 1) / (count - 1)
    return [items[round(i * step)] for i in range(count)]


def _kind_cases() -> list[tuple[str, str]]:
    cases = []
    for channel in ("main", "test-recipes", "private"):
        for subchannel in (None, "dev"):
            groups: dict[str, list[tuple[str, str]]] = {kind: [] for kind in kinds.KINDS}
            for expected in channel_packages(channel).values():
                facts = Facts(
                    channel=channel,
                    name=expected.name,
                    subchannel=subchannel,
                    latest_version=expected.version,
                    license=expected.license,
                    license_spdx=normalize_spdx(expected.license),
                    platforms=expected.platforms,
                    updated_at=expected.updated,
                    now=NOW,
                )
                for kind in kinds.KINDS:
                    badge = kinds.renderer(kind)(facts)
                    groups[kind].append((badge.label, badge.message))
            for items in groups.values():
                cases += _spread(items, PER_GROUP)
    return cases


def _cve_cases() -> list[tuple[str, str]]:
    """The `cves` badge of every package, from its real artifact (embedded vulnerability data)."""
    from services.badges.kinds import cves
    from services.badges.model import facts_from_artifact
    from tests.common.badge_render.sheets import gateway_artifacts

    found = []
    for channel in ("main", "test-recipes", "private"):
        for artifact in gateway_artifacts(channel).values():
            badge = cves.render(facts_from_artifact(artifact, channel, NOW))
            found.append((badge.label, badge.message))
    return _spread(found, PER_GROUP)


def _download_cases() -> list[tuple[str, str]]:
    package = json.loads((RECORDED / "anaconda-api/package/anaconda/pytest.json").read_text())
    counts = [f["ndownloads"] for f in package["files"] if isinstance(f.get("ndownloads"), int)]
    counts.append(sum(counts))
    return _spread([(downloads.LABEL, downloads.humanize(c)) for c in counts], PER_GROUP)


def _error_cases() -> list[tuple[str, str]]:
    from common import errors

    samples = [
        errors.InvalidName("x"),
        errors.InvalidParameter("x"),
        errors.NotFound("x"),
        errors.Unauthorized("x", code="token_expired"),
        errors.Unauthorized("x", code="token_wrong_audience"),
        errors.Unauthorized("x", code="invalid_token"),
        errors.Forbidden("x", code="insufficient_scope"),
        errors.UpstreamError("x"),
        RuntimeError("a bug"),
    ]
    labels = sorted({kinds.default_label(kind) for kind in kinds.KINDS} | {"badge"})
    return [(label, error_badge(e).message) for label in labels for e in samples] + [
        ("badge", "unavailable")  # the gateway's badge when the badges service is down
    ]


def cases() -> list[tuple[str, str]]:
    """Every (label, message) to measure, without duplicates, in a stable order."""
    seen: dict[tuple[str, str], None] = {}
    for case in _kind_cases() + _cve_cases() + _download_cases() + _error_cases():
        seen.setdefault(case, None)
    return list(seen)


if __name__ == "__main__":
    json.dump([list(case) for case in cases()], sys.stdout, ensure_ascii=False, indent=0)
    sys.stdout.write("\n")
