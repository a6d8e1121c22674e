"""What a validated token says: who it is for and which channels (or labels) it may read.

The scope claim is a space-separated string, as in OAuth 2.0 (RFC 8693 section 4.2):

    "scope": "channel:private channel:other/label:dev"

`channel:CH` grants the whole channel CH, every label included; `channel:CH/label:SUB` grants
only the label (subchannel) SUB of CH (`label:main` is the channel without a subchannel).
Items with other prefixes are ignored, so a token may carry scopes for other systems.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from common.errors import InvalidName
from common.names import channel_name
from common.names import subchannel_name

AUDIENCES = ("badges", "sbom", "api")
MAIN_LABEL = "main"

_ITEM = re.compile(r"^channel:([^/\s]+)(?:/label:([^/\s]+))?$")

Grant = tuple[str, str | None]  # (channel, label) where None means every label


def parse_grant(text: str) -> Grant:
    """Parse `CH` or `CH/label:SUB` (the CLI's and the scope's spelling) into a grant."""
    match = _ITEM.match(text if text.startswith("channel:") else f"channel:{text}")
    if not match:
        raise InvalidName(f"{text!r} is not CHANNEL or CHANNEL/label:LABEL")
    label = match.group(2)
    return channel_name(match.group(1)), subchannel_name(label) if label else None


def parse_scope(scope: str) -> frozenset[Grant]:
    """The channel grants in a scope string; other or unreadable items grant nothing."""
    grants = set()
    for item in scope.split():
        if not item.startswith("channel:"):
            continue
        try:
            grants.add(parse_grant(item))
        except InvalidName:
            continue
    return frozenset(grants)


def format_scope(grants: Iterable[Grant]) -> str:
    """The scope string for some grants, in a stable order."""
    items = []
    for channel, label in sorted(grants, key=lambda g: (g[0], g[1] or "")):
        items.append(f"channel:{channel}" + (f"/label:{label}" if label else ""))
    return " ".join(items)


@dataclass(frozen=True)
class Claims:
    """The claims of a token that passed every check (signature, times, iss, aud, deny list)."""

    subject: str
    jti: str
    issuer: str
    audience: tuple[str, ...]
    issued_at: int
    expires_at: int
    grants: frozenset[Grant]

    def covers(self, channel: str, subchannel: str | None = None) -> bool:
        """Whether the scope lets the token read `channel` (and `subchannel`, if given)."""
        if (channel, None) in self.grants:
            return True
        return (channel, subchannel or MAIN_LABEL) in self.grants

    def covers_any(self, channel: str) -> bool:
        """Whether the scope grants anything in `channel` (for the channel listing)."""
        return any(granted == channel for granted, _ in self.grants)
