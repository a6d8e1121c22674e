"""`conda-badges-verify`: check a signed SBOM (a DSSE envelope) offline against published keys.

    conda-badges-verify ENVELOPE --keys sbom-keys.json [--artifact PACKAGE_FILE | --sha256 HEX]

ENVELOPE is a `<FILENAME>.cdx.intoto.json` or `.spdx.intoto.json` download (`-` for stdin);
the keys file is the service's `/.well-known/conda-badges/sbom-keys.json`. Exit 0: verified;
1: not verified (the reason is printed); 2: bad usage or unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from attestation.envelope import VerificationFailed
from attestation.envelope import sha256_of_file
from attestation.envelope import verify
from attestation.keys import keys_from_document


def _load_json(name: str) -> dict:
    text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def main(argv: list[str] | None = None) -> int:
    """Run the verifier; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="conda-badges-verify", description="Verify a signed SBOM (DSSE envelope) offline."
    )
    parser.add_argument("envelope", help="the .intoto.json file (- for stdin)")
    parser.add_argument("--keys", required=True, help="the published key set (sbom-keys.json)")
    parser.add_argument("--artifact", help="the package file: its sha256 must be the subject's")
    parser.add_argument("--sha256", help="the package file's sha256 (instead of --artifact)")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    args = parser.parse_args(argv)
    try:
        envelope = _load_json(args.envelope)
        keys = keys_from_document(_load_json(args.keys))
        digest = sha256_of_file(args.artifact) if args.artifact else args.sha256
    except (OSError, ValueError, KeyError) as error:
        print(f"conda-badges-verify: cannot read input: {error}", file=sys.stderr)
        return 2
    if not keys:
        print("conda-badges-verify: the key set has no keys", file=sys.stderr)
        return 2
    try:
        body = verify(envelope, keys, artifact_sha256=digest)
    except VerificationFailed as error:
        print(f"NOT VERIFIED: {error}", file=sys.stderr)
        return 1
    if not args.quiet:
        subject = body["subject"][0]
        keyids = ", ".join(s.get("keyid", "") for s in envelope.get("signatures", []))
        print(
            f"verified: {subject['name']} sha256 {subject['digest']['sha256']}, "
            f"{body['predicateType']}, signed by key id {keyids}"
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
