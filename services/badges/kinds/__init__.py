"""Badge kinds: one module each, with a pure `render(facts) -> Badge`; aliases map to them."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from services.badges.kinds import cves
from services.badges.kinds import downloads
from services.badges.kinds import latest_release_date
from services.badges.kinds import latest_release_relative_date
from services.badges.kinds import license
from services.badges.kinds import platforms
from services.badges.kinds import version
from services.badges.model import Badge
from services.badges.model import Facts

# anaconda.org's six badge names, in the order its badges page lists them, then ours: cves.
KINDS: dict[str, ModuleType] = {
    "version": version,
    "latest_release_date": latest_release_date,
    "latest_release_relative_date": latest_release_relative_date,
    "platforms": platforms,
    "license": license,
    "downloads": downloads,
    "cves": cves,
}
ALIASES: dict[str, str] = {
    "updated": "latest_release_date",
    "updated-ago": "latest_release_relative_date",
}


def resolve(name: str) -> str | None:
    """The canonical kind name for a kind or alias, or None when unknown."""
    name = ALIASES.get(name, name)
    return name if name in KINDS else None


def renderer(kind: str) -> Callable[[Facts], Badge]:
    """The `render` function of a canonical kind."""
    return KINDS[kind].render


def default_label(kind: str | None) -> str:
    """The label a kind's badges (and its error badges) carry unless `label=` overrides it."""
    return KINDS[kind].LABEL if kind in KINDS else "badge"


def max_age(kind: str | None) -> int:
    """How long a public badge of this kind may be cached by default, in seconds."""
    return KINDS[kind].MAX_AGE if kind in KINDS else 300
