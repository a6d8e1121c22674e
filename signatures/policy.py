"""Publisher policies for CEP-27 attestations: who may publish to a channel, as rattler matches."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Publisher:
    """One allowed signer: an identity pattern and/or an exact OIDC issuer (None = any)."""

    identity: str | None = None
    issuer: str | None = None

    def matches(self, identity: str | None, issuer: str | None) -> bool:
        """True when the certificate's identity and issuer satisfy this publisher."""
        if self.identity is not None and (
            identity is None or not identity_matches(self.identity, identity)
        ):
            return False
        return self.issuer is None or self.issuer == issuer


@dataclass(frozen=True)
class PublisherPolicy:
    """The publishers allowed on one channel; an empty policy accepts any valid signer."""

    publishers: tuple[Publisher, ...] = ()

    def allows(self, identity: str | None, issuer: str | None) -> bool:
        """True when some publisher matches (or the policy names none)."""
        if not self.publishers:
            return True
        return any(p.matches(identity, issuer) for p in self.publishers)


def identity_matches(pattern: str, actual: str) -> bool:
    """rattler's rule: a trailing `*` matches any suffix, anything else must be equal."""
    if pattern.endswith("*"):
        return actual.startswith(pattern[:-1])
    return pattern == actual
