"""`conda-badges-verify`: check a signed SBOM (a DSSE envelope) offline against published keys.

    conda-badges-verify ENVELOPE --keys sbom-keys.json [--artifact PACKAGE_FILE | --sha256 HEX]
                        [--json | --quiet]

ENVELOPE is a `<FILENAME>.cdx.intoto.json`, `.spdx.intoto.json` or `.spdx3.intoto.json`
download (`-` for stdin); the keys file is the service's `/.well-known/conda-badges/sbom-keys.json`.
Exit 0: verified; 1: not verified (the reason is printed); 2: bad usage or unreadable input
(a file that cannot be read, is not JSON, or is not a DSSE envelope or a key set).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from attestation.envelope import EnvelopeUnreadable
from attestation.envelope import VerificationFailed
from attestation.envelope import Verified
from attestation.envelope import sha256_of_file
from attestation.envelope import verify_envelope
from attestation.keys import keys_from_document

VERIFIED, NOT_VERIFIED, UNREADABLE = 0, 1, 2


def _load_json(name: str) -> dict:
    text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conda-badges-verify", description="Verify a signed SBOM (DSSE envelope) offline."
    )
    parser.add_argument("envelope", help="the .intoto.json file (- for stdin)")
    parser.add_argument("--keys", required=True, help="the published key set (sbom-keys.json)")
    parser.add_argument("--artifact", help="the package file: its sha256 must be the subject's")
    parser.add_argument("--sha256", help="the package file's sha256 (instead of --artifact)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--quiet", action="store_true", help="print nothing on success")
    output.add_argument("--json", action="store_true", help="print the result as one JSON object")
    return parser


def result_document(exit_code: int, verified: Verified | None, reason: str | None) -> dict:
    """The `--json` answer: the outcome, the verifying key, the subject, each signature's fate."""
    document: dict = {"verified": exit_code == VERIFIED, "exit_code": exit_code}
    if verified is not None:
        statement = verified.statement
        document["keyid"] = verified.keyid
        document["subject"] = statement.get("subject")
        document["predicateType"] = statement.get("predicateType")
        document["signatures"] = [
            {"index": c.index, "keyid": c.keyid, "outcome": c.outcome, "verified_by": c.verified_by}
            for c in verified.signatures
        ]
    if reason is not None:
        document["reason"] = reason
    return document


def _finish(args, code: int, verified: Verified | None = None, reason: str | None = None) -> int:
    if args.json:
        print(json.dumps(result_document(code, verified, reason), indent=2))
    elif code == UNREADABLE:
        print(f"conda-badges-verify: cannot read input: {reason}", file=sys.stderr)
    elif code == NOT_VERIFIED:
        print(f"NOT VERIFIED: {reason}", file=sys.stderr)
    elif not args.quiet and verified is not None:
        subject = verified.statement["subject"][0]
        print(
            f"verified: {subject['name']} sha256 {subject['digest']['sha256']}, "
            f"{verified.statement['predicateType']}, signed by key id {verified.keyid}"
        )
    return code


def main(argv: list[str] | None = None) -> int:
    """Run the verifier; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        envelope = _load_json(args.envelope)
        keys = keys_from_document(_load_json(args.keys))
        digest = sha256_of_file(args.artifact) if args.artifact else args.sha256
    except (OSError, ValueError) as error:
        return _finish(args, UNREADABLE, reason=str(error))
    if not keys:
        return _finish(args, UNREADABLE, reason="the key set has no keys")
    try:
        verified = verify_envelope(envelope, keys, artifact_sha256=digest)
    except EnvelopeUnreadable as error:
        return _finish(args, UNREADABLE, reason=str(error))
    except VerificationFailed as error:
        return _finish(args, NOT_VERIFIED, reason=str(error))
    return _finish(args, VERIFIED, verified)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
