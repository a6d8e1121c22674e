"""deploy/image.py's pure parts: the mirror it gives debootstrap, the base's cache key, the tag."""

from __future__ import annotations

import os
import re

import pytest

from deploy.image import DEFAULT_MIRROR
from deploy.image import apt_mirror
from deploy.image import base_key
from deploy.image import main
from deploy.image import version
from tests.processes import REPO

# this machine's /etc/apt/sources.list.d/debian.sources (deb822), as apt reads it
DEB822 = """Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
# http://snapshot.debian.org/archive/debian-security/20250520T000000Z
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""


def test_the_mirror_comes_from_apt_deb822_sources_never_the_security_archive(tmp_path):
    (tmp_path / "a-security.sources").write_text(DEB822.split("\n\n")[1])
    (tmp_path / "debian.sources").write_text(DEB822)
    assert apt_mirror((tmp_path / "sources.list", tmp_path)) == "http://deb.debian.org/debian"


def test_the_mirror_comes_from_a_one_line_deb_source(tmp_path):
    (tmp_path / "sources.list").write_text(
        "deb http://security.debian.org/debian-security bookworm-security main\n"
        "deb [arch=amd64] http://mirror.example/debian bookworm main\n"
    )
    assert apt_mirror((tmp_path / "sources.list",)) == "http://mirror.example/debian"


def test_without_sources_the_mirror_is_debians(tmp_path):
    assert apt_mirror((tmp_path / "sources.list", tmp_path)) == DEFAULT_MIRROR


def test_the_base_key_follows_the_mirror():
    assert base_key("http://a/debian") == base_key("http://a/debian")
    assert base_key("http://a/debian") != base_key("http://b/debian")
    assert re.fullmatch("[0-9a-f]{12}", base_key("http://a/debian"))


def test_the_tag_is_the_projects_version():
    text = (REPO / "pyproject.toml").read_text()
    assert version() == re.search(r'^version = "([^"]+)"', text, re.MULTILINE).group(1)


def test_make_image_says_it_needs_root_when_run_as_another_user(monkeypatch, capsys):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(SystemExit) as stopped:
        main([])
    assert stopped.value.code == 2 and "run it as root" in capsys.readouterr().err
