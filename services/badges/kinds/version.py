"""`version`: the highest version in the channel (or the named subchannel), by conda ordering."""

from __future__ import annotations

from common.versions import is_prerelease
from services.badges.model import Badge
from services.badges.model import Facts

LABEL = "conda"
MAX_AGE = 300


def label_for(facts: Facts) -> str:
    """`conda | <channel>` or `conda | <channel>/<subchannel>`, like shields' conda/v badge."""
    where = f"{facts.channel}/{facts.subchannel}" if facts.subchannel else facts.channel
    return f"{LABEL} | {where}"


def render(facts: Facts) -> Badge:
    """Blue for a release; orange for a pre-release or 0.x; grey when there is no version."""
    version = facts.latest_version
    if not version:
        return Badge(label_for(facts), "unknown", "lightgrey")
    return Badge(label_for(facts), version, "orange" if is_prerelease(version) else "blue")
