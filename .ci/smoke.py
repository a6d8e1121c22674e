"""Smoke test of a running `make run` (the edge :8080 and friends) from the virtualenv under test.

    <venv>/bin/python .ci/smoke.py --venv <venv> --token <token for the private channel>

Checks: every process runs on this virtualenv's Python; every badge kind in every style renders
(SVG that parses, role/aria-label/title, the style's height) and its JSON agrees; an error
badge; the snippets offer every style; an SBOM in CycloneDX and SPDX; a token request for the
private channel (and the 404 without it). Prints one line per failure and "N passed, N failed";
exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

from common.badge_render import STYLES
from services.badges.kinds import KINDS

GATEWAY = "http://127.0.0.1:8080"
PORTS = (8080, 8081, 8082, 8083, 8084)  # the edge, badges, sbom, metadata, gateway
GUNICORN_PORTS = PORTS[1:]
SVG = "{http://www.w3.org/2000/svg}"
HEIGHTS = {
    "flat": "20",
    "flat-square": "20",
    "plastic": "18",
    "for-the-badge": "28",
    "social": "20",
}
SBOM = "/main/linux-64/zlib-1.2.11-h7b6447c_3.conda"


class Smoke:
    """Counts checks; a failed check is reported, not raised, so one run shows them all."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed: list[str] = []

    def check(self, ok: bool, what: str) -> bool:
        """Record one check."""
        if ok:
            self.passed += 1
        else:
            self.failed.append(what)
            print(f"FAILED: {what}", flush=True)
        return ok


def get(path: str) -> tuple[int, dict[str, str], bytes]:
    """GET from the gateway: status, lower-case headers, body (errors are answers too)."""
    try:
        with urllib.request.urlopen(GATEWAY + path, timeout=30) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                (response.read()),
            )
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def wait_until_up(seconds: float) -> bool:
    """True once every process answers /healthz."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            for port in PORTS:
                url = f"http://127.0.0.1:{port}/healthz"
                with urllib.request.urlopen(url, timeout=2) as response:
                    response.read()
            return True
        except OSError:
            time.sleep(1)
    return False


def server_commands() -> list[list[str]]:
    """The command lines of the gunicorn processes bound to 8081-8084."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if "gunicorn" in argv and any(f"127.0.0.1:{port}" in argv for port in GUNICORN_PORTS):
            found.append(argv)
    return found


def check_badge(smoke: Smoke, kind: str, style: str) -> None:
    """One kind in one style: SVG, accessibility, height, and the same text as its JSON."""
    where = f"{kind} in {style}"
    status, headers, body = get(f"/main/zlib/badges/{kind}.svg?style={style}")
    smoke.check(status == 200, f"{where}: status {status}")
    smoke.check(headers.get("content-type", "").startswith("image/svg+xml"), f"{where}: type")
    try:
        root = ET.fromstring(body)  # noqa: S314 - our own service's output
    except ET.ParseError as error:
        smoke.check(False, f"{where}: not XML ({error})")
        return
    title = root.find(f"{SVG}title")
    label = root.get("aria-label") or ""
    smoke.check(root.get("role") == "img", f"{where}: role")
    smoke.check(title is not None and title.text == label and label != "", f"{where}: title")
    smoke.check(root.get("height") == HEIGHTS[style], f"{where}: height {root.get('height')}")
    status, _, data = get(f"/main/zlib/badges/{kind}.json?style={style}")
    endpoint = json.loads(data) if status == 200 else {}
    expected = f"{endpoint.get('label')}: {endpoint.get('message')}"
    smoke.check(label == expected, f"{where}: aria-label {label!r} != JSON {expected!r}")


def main() -> int:
    """Run every check against the running system."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--venv", required=True, type=Path)
    parser.add_argument("--token", required=True)
    args = parser.parse_args()
    smoke = Smoke()
    venv = Path(os.path.abspath(args.venv))  # not resolve(): venv/bin/python is a symlink
    print(f"smoke test on Python {platform.python_version()} ({sys.executable})", flush=True)
    smoke.check(Path(os.path.abspath(sys.prefix)) == venv, f"running in {sys.prefix}, not {venv}")
    if not smoke.check(wait_until_up(180), "make run did not come up on 8080-8084 in 180 s"):
        return report(smoke)
    commands = server_commands()
    smoke.check(len(commands) >= len(GUNICORN_PORTS), f"gunicorn processes found: {len(commands)}")
    for argv in commands:
        runs_here = Path(os.path.abspath(argv[0])).is_relative_to(venv)
        smoke.check(runs_here, f"a server runs outside {venv}: {' '.join(argv[:3])}")

    for kind in KINDS:
        for style in STYLES:
            check_badge(smoke, kind, style)
    status, _, body = get("/main/nope/badges/version.svg?style=social")
    smoke.check(status == 404 and b'aria-label="conda: not found"' in body, "error badge")
    status, _, body = get("/main/zlib/badges?style=plastic")
    offered = json.loads(body).get("styles") if status == 200 else None
    smoke.check(offered == list(STYLES), f"snippets offer {offered}")

    status, headers, body = get(f"{SBOM}.cdx.json")
    bom = json.loads(body) if status == 200 else {}
    smoke.check(bom.get("bomFormat") == "CycloneDX", f"CycloneDX SBOM: status {status}")
    status, _, body = get(f"{SBOM}.spdx.json")
    spdx = json.loads(body) if status == 200 else {}
    smoke.check(spdx.get("spdxVersion") == "SPDX-2.3", f"SPDX SBOM: status {status}")

    token = args.token
    status, headers, body = get(f"/private/r-base/badges/version.svg?token={token}")
    smoke.check(status == 200, f"token badge: status {status}")
    smoke.check(b'aria-label="conda | private: ' in body, "token badge: text")
    smoke.check(headers.get("cache-control") == "private, no-store", "token badge: private")
    status, _, body = get(f"/api/channels/private/artifacts/conda/r-base?token={token}")
    smoke.check(status == 200 and json.loads(body).get("name") == "r-base", f"token API: {status}")
    status, _, _ = get("/private/r-base/badges/version.svg")
    smoke.check(status == 404, f"private badge without a token: status {status}")
    return report(smoke)


def report(smoke: Smoke) -> int:
    """The closing line; 1 when anything failed."""
    print(f"smoke: {smoke.passed} passed, {len(smoke.failed)} failed", flush=True)
    return 1 if smoke.failed or not smoke.passed else 0


if __name__ == "__main__":
    os.environ.pop("http_proxy", None)  # loopback only
    sys.exit(main())
