"""Publisher policies match as rattler's rattler_sigstore::policy does: a trailing `*` is a
prefix match, anything else is equality; the issuer is compared exactly; no publishers = any."""

from __future__ import annotations

from signatures import Publisher
from signatures import PublisherPolicy
from signatures.policy import identity_matches

WORKFLOW = "https://github.com/org/repo/.github/workflows/build.yaml@refs/heads/main"
GITHUB = "https://token.actions.githubusercontent.com"


def test_identity_is_exact_without_a_star():
    assert identity_matches(WORKFLOW, WORKFLOW)
    assert not identity_matches(WORKFLOW, WORKFLOW + "x")
    assert not identity_matches(WORKFLOW, WORKFLOW[:-1])


def test_a_trailing_star_is_a_prefix():
    assert identity_matches("https://github.com/org/*", WORKFLOW)
    assert not identity_matches("https://github.com/other-org/*", WORKFLOW)
    assert identity_matches("*", WORKFLOW)


def test_a_star_elsewhere_is_literal():
    assert not identity_matches("https://github.com/*/repo/.github/workflows/build.yaml", WORKFLOW)


def test_the_issuer_is_exact_and_optional():
    assert Publisher(issuer=GITHUB).matches(WORKFLOW, GITHUB)
    assert not Publisher(issuer=GITHUB).matches(WORKFLOW, GITHUB + "/")
    assert not Publisher(identity=WORKFLOW, issuer=GITHUB).matches(WORKFLOW, "https://gitlab.com")
    assert Publisher(identity=WORKFLOW).matches(WORKFLOW, None)


def test_a_publisher_without_constraints_accepts_anyone():
    assert Publisher().matches(None, None)
    assert Publisher().matches(WORKFLOW, GITHUB)


def test_a_required_identity_needs_one():
    assert not Publisher(identity="*").matches(None, GITHUB)


def test_an_empty_policy_accepts_any_signer_and_any_publisher_suffices():
    assert PublisherPolicy().allows(None, None)
    policy = PublisherPolicy((Publisher(issuer="https://gitlab.com"), Publisher(issuer=GITHUB)))
    assert policy.allows(WORKFLOW, GITHUB)
    assert not policy.allows(WORKFLOW, "https://accounts.google.com")
