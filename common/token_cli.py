"""`conda-badges-token`: mint a service-account token (or revoke one) from the command line."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_pem_private_key

from common.errors import AppError
from common.settings import Settings
from common.tokens.claims import AUDIENCES
from common.tokens.claims import parse_grant
from common.tokens.denylist import revoke
from common.tokens.devkeys import resolve_secrets
from common.tokens.keys import TokenConfigError
from common.tokens.keys import algorithm_for_public_key
from common.tokens.validator import mint_token

DEFAULT_TTL = "30d"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_TTL = re.compile(r"^(\d+)([smhdw]?)$")


def parse_ttl(text: str) -> int:
    """`3600`, `90s`, `15m`, `12h`, `30d` or `2w` as seconds (more than zero)."""
    match = _TTL.match(text.strip().lower())
    if not match or int(match.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 3600, 12h or 30d")
    return int(match.group(1)) * _UNITS[match.group(2) or "s"]


def _grant(text: str):
    try:
        return parse_grant(text)
    except AppError as error:
        raise argparse.ArgumentTypeError(error.message) from None


def build_parser() -> argparse.ArgumentParser:
    """The command line of `conda-badges-token`."""
    parser = argparse.ArgumentParser(
        prog="conda-badges-token",
        description="Mint a service-account token for private channels (printed on stdout).",
    )
    parser.add_argument(
        "--channel",
        action="append",
        type=_grant,
        default=[],
        metavar="CH[/label:SUB]",
        help="a channel (or one label of it) the token may read; repeatable",
    )
    parser.add_argument(
        "--audience",
        action="append",
        choices=AUDIENCES,
        help="the services that accept the token; repeatable (default: all three)",
    )
    parser.add_argument("--ttl", type=parse_ttl, default=parse_ttl(DEFAULT_TTL), help="e.g. 12h")
    parser.add_argument("--subject", default="conda-badges-token", help="the `sub` claim")
    parser.add_argument(
        "--private-key",
        type=Path,
        help="sign with this PEM private key (RS256, ES256 or EdDSA) instead of the HS256 secret",
    )
    parser.add_argument("--kid", help="the `kid` header (default: the key file's name)")
    parser.add_argument(
        "--revoke", metavar="JTI", help="instead of minting, add JTI to the configured deny list"
    )
    return parser


def _signing_key(args: argparse.Namespace, settings: Settings) -> tuple[object, str, str | None]:
    if args.private_key is not None:
        try:
            key = load_pem_private_key(args.private_key.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as error:
            raise SystemExit(f"cannot load {args.private_key}: {type(error).__name__}") from None
        try:
            algorithm = algorithm_for_public_key(key.public_key())  # type: ignore[union-attr]
        except (TokenConfigError, AttributeError) as error:
            raise SystemExit(f"{args.private_key}: {error}") from None
        return key, algorithm, args.kid or args.private_key.stem
    if not settings.token_hs256_secret:
        raise SystemExit("no HS256 secret: set TOKEN_HS256_SECRET or pass --private-key")
    return settings.token_hs256_secret, "HS256", args.kid


def _revoke(jti: str, settings: Settings) -> int:
    client = None
    if settings.token_denylist_redis_url:
        import redis

        client = redis.Redis.from_url(settings.token_denylist_redis_url, socket_timeout=2)
    if settings.token_denylist_file is None and client is None:
        raise SystemExit("no deny list: set TOKEN_DENYLIST_FILE or TOKEN_DENYLIST_REDIS_URL")
    revoke(jti, settings.token_denylist_file, client)
    print(f"revoked {jti}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Mint a token from the configured key and print it; or revoke a `jti`."""
    args = build_parser().parse_args(argv)
    settings = resolve_secrets(Settings.from_env(with_channels=False))
    if args.revoke:
        return _revoke(args.revoke, settings)
    if not args.channel:
        raise SystemExit("name at least one --channel")
    key, algorithm, kid = _signing_key(args, settings)
    if algorithm not in settings.token_algorithms:
        print(f"warning: TOKEN_ALGORITHMS does not allow {algorithm}", file=sys.stderr)
    token = mint_token(
        key=key,
        algorithm=algorithm,
        issuer=settings.token_issuer,
        subject=args.subject,
        audience=args.audience or list(AUDIENCES),
        grants=args.channel,
        ttl=args.ttl,
        kid=kid,
    )
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
