"""The upstream Authorization header: anaconda.org's `token` scheme unless told otherwise."""

from __future__ import annotations

from common.upstream_auth import authorization


def test_a_credential_is_sent_with_its_scheme():
    assert authorization("s3cret") == {"Authorization": "token s3cret"}
    assert authorization("s3cret", "Bearer") == {"Authorization": "Bearer s3cret"}


def test_no_credential_sends_no_header():
    assert authorization("") == {} and authorization("", "Bearer") == {}
