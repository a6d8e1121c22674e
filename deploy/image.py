"""`python -m deploy.image`: build the image with podman (as root), tagged with the version.

The base is `python:3.11-slim-bookworm` when a registry answers; otherwise a Debian bookworm
made with `debootstrap --variant=minbase` plus python3, python3-venv and python-is-python3,
cached under var/image/ keyed by its inputs (a rerun imports the cached tree, or reuses the
already imported base). pip in the build stage trusts the host's CA bundle, mounted for the
RUN steps only (never copied into a layer).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "var" / "image"
NAME = "conda-badges"
REGISTRY_BASE = "docker.io/library/python:3.11-slim-bookworm"
SUITE = "bookworm"
BASE_PACKAGES = ("python3", "python3-venv", "python-is-python3")
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
APT_SOURCES = (Path("/etc/apt/sources.list"), Path("/etc/apt/sources.list.d"))
DEFAULT_MIRROR = "http://deb.debian.org/debian"
# every layer's file times and the image's creation time (podman build --timestamp): a fixed
# one, so that the same sources and wheels give the same layers (ko and Nix use 0 too; a
# commit's time would not do: podman's layer cache ignores --timestamp)
TIMESTAMP = 0


def version() -> str:
    """The project's version (pyproject.toml), the image's tag."""
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]


def run(*command: str, **kwargs) -> subprocess.CompletedProcess:
    """Run a command, echoing it; fail on a non-zero exit."""
    print("+", " ".join(command), file=sys.stderr, flush=True)
    return subprocess.run(command, check=True, **kwargs)


def apt_mirror(sources: tuple[Path, ...] = APT_SOURCES) -> str:
    """The Debian mirror apt is configured with (deb822 `URIs:` or a `deb` line), or Debian's."""
    files = [p for p in sources if p.is_file()]
    files += sorted(p for d in sources if d.is_dir() for p in d.glob("*.list"))
    files += sorted(p for d in sources if d.is_dir() for p in d.glob("*.sources"))
    for path in files:
        for line in path.read_text().splitlines():
            words = line.split()
            if words[:1] == ["URIs:"] and not words[1].rstrip("/").endswith("-security"):
                return words[1]
            if words[:1] == ["deb"] and "bookworm" in words and "security" not in line:
                return next(w for w in words[1:] if "://" in w)
    return DEFAULT_MIRROR


def base_key(mirror: str) -> str:
    """A short digest of everything the debootstrap base is made from."""
    inputs = "\n".join([SUITE, "minbase", mirror, *BASE_PACKAGES, "v1"])
    return hashlib.sha256(inputs.encode()).hexdigest()[:12]


def image_exists(ref: str) -> bool:
    """Whether podman has an image called `ref`."""
    return subprocess.run(["podman", "image", "exists", ref], check=False).returncode == 0


def registry_base() -> str | None:
    """The registry's Python base when it can be pulled (within a minute), else None."""
    if image_exists(REGISTRY_BASE):
        return REGISTRY_BASE
    try:
        pulled = subprocess.run(
            ["podman", "pull", "-q", REGISTRY_BASE], capture_output=True, timeout=60, check=False
        )
    except subprocess.TimeoutExpired:
        return None
    return REGISTRY_BASE if pulled.returncode == 0 else None


def debootstrap_base() -> str:
    """A Debian minbase with Python, built once per key and cached as var/image/base-KEY.tar."""
    mirror = apt_mirror()
    key = base_key(mirror)
    ref = f"localhost/{NAME}-base:{key}"
    if image_exists(ref):
        return ref
    tarball = CACHE / f"base-{key}.tar"
    if not tarball.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
            root = Path(tmp) / "root"
            include = "--include=" + ",".join(BASE_PACKAGES)
            run("debootstrap", "--variant=minbase", include, SUITE, str(root), mirror)
            for junk in ("var/cache/apt/archives", "var/lib/apt/lists"):
                for path in (root / junk).glob("*"):
                    if path.is_file():
                        path.unlink()
            partial = tarball.with_suffix(".partial")
            run("tar", "--numeric-owner", "-C", str(root), "-cf", str(partial), ".")
            partial.rename(tarball)
    run("podman", "import", str(tarball), ref, stdout=subprocess.DEVNULL)
    return ref


def build(base: str, tag: str, *extra: str) -> None:
    """podman build the Dockerfile on `base`, tagged `tag` (and :latest)."""
    with tempfile.TemporaryDirectory() as tmp:
        pip_conf = Path(tmp) / "pip.conf"
        pip_conf.write_text("[global]\ncert = /etc/ssl/host-ca.crt\n")
        run(
            "podman", "build", "--format", "docker", "--isolation", "chroot", "--network", "host",
            "--build-arg", f"PYTHON_IMAGE={base}", "--timestamp", str(TIMESTAMP), *extra,
            "-v", f"{HOST_CA}:/etc/ssl/host-ca.crt:ro",
            "-v", f"{pip_conf}:/etc/pip.conf:ro",
            "-t", tag, "-t", f"localhost/{NAME}:latest", "-f", str(REPO / "Dockerfile"), str(REPO),
        )  # fmt: skip


def ensure_tools() -> None:
    """Install podman, debootstrap and runc (podman run works with it here) when missing."""
    missing = [tool for tool in ("podman", "debootstrap", "runc") if shutil.which(tool) is None]
    if missing:
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", *missing, stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    """Build the image; print its reference."""
    parser = argparse.ArgumentParser(prog="python -m deploy.image", description=__doc__)
    parser.add_argument("--base", help="a base image to use instead of finding one")
    parser.add_argument("--no-cache", action="store_true", help="rebuild every layer")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        parser.error("run it as root (podman builds rootful here; debootstrap needs root)")
    ensure_tools()
    base = args.base or registry_base() or debootstrap_base()
    tag = f"localhost/{NAME}:{version()}"
    build(base, tag, *(["--no-cache"] if args.no_cache else []))
    print(tag)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
