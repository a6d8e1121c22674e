"""Checking tokens (signature, algorithm, times, issuer, audience, deny list, scope); minting."""

from __future__ import annotations

import logging
import math
import re
import secrets
import time
from collections.abc import Iterable
from typing import Any

import jwt
from jwt import exceptions as jwt_errors

from common.errors import Forbidden
from common.errors import NotFound
from common.errors import Unauthorized
from common.settings import Settings
from common.tokens.claims import AUDIENCES
from common.tokens.claims import Claims
from common.tokens.claims import Grant
from common.tokens.claims import format_scope
from common.tokens.claims import parse_scope
from common.tokens.denylist import Denylist
from common.tokens.keys import JwksCache
from common.tokens.keys import VerificationKey
from common.tokens.keys import static_keys

log = logging.getLogger(__name__)

REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti"]
_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")

# PyJWT's exceptions, most specific first, to our codes and messages (never the token itself)
_ERRORS: list[tuple[type[Exception], str, str]] = [
    (jwt_errors.ExpiredSignatureError, "token_expired", "the token has expired"),
    (jwt_errors.ImmatureSignatureError, "token_not_yet_valid", "the token is not valid yet"),
    (jwt_errors.InvalidAudienceError, "token_wrong_audience", "the token is not for this service"),
    (jwt_errors.InvalidIssuerError, "token_wrong_issuer", "the token has the wrong issuer"),
    (jwt_errors.MissingRequiredClaimError, "token_missing_claim", "the token lacks a claim"),
    (jwt_errors.InvalidSignatureError, "token_invalid", "the token signature is not valid"),
    (jwt_errors.DecodeError, "token_malformed", "the token is malformed"),
    (jwt_errors.InvalidAlgorithmError, "token_invalid", "the token algorithm is not allowed"),
    (jwt_errors.InvalidTokenError, "token_invalid", "the token is not valid"),
]


def channel_not_found(channel: str) -> NotFound:
    """The error for a channel that does not exist, or is private and no token was given."""
    return NotFound(f"channel {channel!r} not found", code="channel_not_found")


def _unauthorized(error: Exception) -> Unauthorized:
    for kind, code, message in _ERRORS:
        if isinstance(error, kind):
            return Unauthorized(message, code=code)
    return Unauthorized("the token is not valid", code="token_invalid")


class TokenValidator:
    """Validates tokens against the configured keys; one per app, in app.extensions["tokens"]."""

    def __init__(
        self,
        settings: Settings,
        *,
        keys: list[VerificationKey] | None = None,
        jwks: JwksCache | None = None,
        denylist: Denylist | None = None,
    ):
        self.settings = settings
        self.algorithms = tuple(settings.token_algorithms)
        self.keys = keys if keys is not None else []
        self.jwks = jwks
        self.denylist = denylist or Denylist()

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenValidator:
        """A validator with the keys, JWKS cache and deny list that `settings` configure."""
        keys = static_keys(
            settings.token_algorithms, settings.token_hs256_secret, settings.token_public_keys
        )
        jwks = None
        if settings.token_jwks_url:
            jwks = JwksCache(
                settings.token_jwks_url,
                settings.token_algorithms,
                ttl=settings.token_jwks_ttl,
                min_refresh=settings.token_jwks_min_refresh,
                timeout=sum(settings.service_timeout),
            )
        if not keys and jwks is None:
            log.warning("no token key is configured: every token will be rejected")
        denylist = Denylist(
            settings.token_denylist_file,
            settings.token_denylist_redis_url,
            optional=settings.token_denylist_optional,
        )
        return cls(settings, keys=keys, jwks=jwks, denylist=denylist)

    def validate(self, token: str, *, audience: str) -> Claims:
        """The token's claims if it is valid for `audience`, else raise Unauthorized."""
        if audience not in AUDIENCES:
            raise ValueError(f"audience must be one of {AUDIENCES}")
        if len(token) > self.settings.token_max_length:
            raise Unauthorized("the token is too long", code="token_too_large")
        if not _SHAPE.fullmatch(token):
            raise Unauthorized("the token is malformed", code="token_malformed")
        try:
            header = jwt.get_unverified_header(token)
        except jwt_errors.PyJWTError as error:
            raise Unauthorized("the token is malformed", code="token_malformed") from error
        alg, kid = header.get("alg"), header.get("kid")
        if not isinstance(alg, str) or alg not in self.algorithms:
            raise Unauthorized("the token algorithm is not allowed", code="token_invalid")
        if kid is not None and not isinstance(kid, str):
            raise Unauthorized("the token is malformed", code="token_malformed")
        payload = self._decode(token, alg, kid, audience)
        claims = _claims(payload)
        if self.denylist.is_revoked(claims.jti):
            raise Unauthorized("the token has been revoked", code="token_revoked")
        return claims

    def authorize(
        self, token: str | None, *, audience: str, channel: str, subchannel: str | None = None
    ) -> Claims:
        """For a private channel: 404 without a token, 401 if invalid, 403 if out of scope."""
        if token is None:
            raise channel_not_found(channel)
        claims = self.validate(token, audience=audience)
        if not claims.covers(channel, subchannel):
            raise Forbidden("the token's scope does not include this channel")
        return claims

    def _candidates(self, alg: str, kid: str | None) -> list[VerificationKey]:
        static = [key for key in self.keys if key.algorithm == alg]
        if kid is not None:
            named = [key for key in static if key.kid == kid]
            if named:
                return named
            if self.jwks is not None and alg in self.jwks.algorithms:
                key = self.jwks.get(kid)
                if key is not None and key.algorithm == alg:
                    return [key]
        return static

    def _decode(self, token: str, alg: str, kid: str | None, audience: str) -> dict[str, Any]:
        for key in self._candidates(alg, kid):
            try:
                return jwt.decode(
                    token,
                    key.key,
                    algorithms=[key.algorithm],
                    audience=audience,
                    issuer=self.settings.token_issuer,
                    leeway=self.settings.token_leeway,
                    options={"require": REQUIRED_CLAIMS, "verify_signature": True},
                )
            except jwt_errors.InvalidSignatureError:
                continue
            except jwt_errors.PyJWTError as error:
                raise _unauthorized(error) from error
        raise Unauthorized("the token signature is not valid", code="token_invalid")


def _is_time(value: object) -> bool:
    """A NumericDate (RFC 7519): a JSON number, not a string, a boolean or NaN."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def _check_types(payload: dict[str, Any]) -> None:
    """Refuse claims of the wrong JSON type (PyJWT converts numeric strings silently)."""
    times_ok = all(_is_time(payload[name]) for name in ("exp", "iat", "nbf") if name in payload)
    aud = payload.get("aud")
    aud_ok = isinstance(aud, str) or (
        isinstance(aud, list) and aud and all(isinstance(a, str) for a in aud)
    )
    if not (times_ok and aud_ok and isinstance(payload.get("iss"), str)):
        raise Unauthorized("the token's claims have the wrong types", code="token_invalid")


def _claims(payload: dict[str, Any]) -> Claims:
    _check_types(payload)
    sub, jti, scope = payload.get("sub"), payload.get("jti"), payload.get("scope", "")
    aud = payload["aud"]
    audience = (aud,) if isinstance(aud, str) else tuple(aud)
    if not (isinstance(sub, str) and sub and isinstance(jti, str) and jti):
        raise Unauthorized("the token's sub and jti must be strings", code="token_invalid")
    if not isinstance(scope, str):
        raise Unauthorized("the token's scope must be a string", code="token_invalid")
    return Claims(
        subject=sub,
        jti=jti,
        issuer=payload["iss"],
        audience=audience,
        issued_at=int(payload["iat"]),
        expires_at=int(payload["exp"]),
        grants=parse_scope(scope),
    )


def mint_token(
    *,
    key: Any,
    algorithm: str,
    issuer: str,
    subject: str,
    audience: Iterable[str],
    grants: Iterable[Grant],
    ttl: int,
    kid: str | None = None,
    jti: str | None = None,
    now: int | None = None,
) -> str:
    """A signed token with every required claim and a `scope` naming the granted channels."""
    audiences = list(audience)
    if not audiences or any(a not in AUDIENCES for a in audiences):
        raise ValueError(f"audience must be one or more of {AUDIENCES}")
    issued = int(time.time()) if now is None else now
    payload = {
        "iss": issuer,
        "sub": subject,
        "aud": audiences[0] if len(audiences) == 1 else audiences,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl,
        "jti": jti or secrets.token_urlsafe(16),
        "scope": format_scope(grants),
    }
    headers = {"kid": kid} if kid else None
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)
