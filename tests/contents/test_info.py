"""Parsing `info/` members into the contents document (pure), on real packages' members."""

from __future__ import annotations

import json

from conda_package_streaming.package_streaming import stream_conda_info

from contents.info import LAYOUT_FILES
from contents.info import LAYOUT_PATHS_JSON
from contents.info import parse_info
from contents.info import python_distributions
from tests.conftest import CHANNELS
from tests.contents.conftest import ZLIB_CONDA


def info_members(path) -> dict[str, bytes]:
    """The info/ members of a real archive, read with conda-package-streaming."""
    found = {}
    for tar, member in stream_conda_info(str(path)):
        if member.isfile():
            found[member.name] = tar.extractfile(member).read()
    return found


def test_zlib_paths_hashes_licenses_and_recipe():
    members = info_members(ZLIB_CONDA)
    document = parse_info(members)
    paths_json = json.loads(members["info/paths.json"])["paths"]
    assert document["layout"] == LAYOUT_PATHS_JSON and document["hashes_available"]
    assert [(p["path"], p["sha256"], p["size"]) for p in document["paths"]] == [
        (p["_path"], p["sha256"], p["size_in_bytes"]) for p in paths_json
    ]
    placeholder = next(p for p in document["paths"] if p["path"] == "lib/pkgconfig/zlib.pc")
    assert placeholder["prefix_placeholder"] == "/opt/anaconda1anaconda2anaconda3"
    assert placeholder["file_mode"] == "text"
    assert {p["path_type"] for p in document["paths"]} == {"hardlink", "softlink"}
    # the old location of the license text (conda-build 3.16 wrote info/LICENSE.txt)
    (text,) = document["licenses"]
    assert text["path"] == "info/LICENSE.txt"
    assert text["text"] == members["info/LICENSE.txt"].decode()
    assert document["about"]["home"] == "http://zlib.net/"
    assert "env_vars" not in document["about"]
    assert document["run_exports"] == {"weak": ["zlib >=1.2.11,<1.3.0a0"]}
    recipe = document["recipe"]
    assert recipe["builder"] == "conda-build" and recipe["rendered"] == "meta.yaml"
    assert recipe["sources"] == [
        {
            "url": "http://zlib.net/zlib-1.2.11.tar.gz",
            "sha256": "c3e5e9fdd5004dcb542feda5ee4f0ff0744628baf8ed2dd5d66f8ca1197cb1a1",
        }
    ]
    assert "gcc_impl_linux-64 7.3.0 habb00fd_1" in recipe["requirements"]["build"]
    assert document["index"]["name"] == "zlib"


def test_old_layout_falls_back_to_info_files_and_says_so():
    members = info_members(ZLIB_CONDA)
    del members["info/paths.json"]  # the layout before paths.json: files + has_prefix only
    document = parse_info(members)
    listed = members["info/files"].decode().split()
    assert document["layout"] == LAYOUT_FILES
    assert [p["path"] for p in document["paths"]] == listed
    assert all(p["sha256"] is None and p["size"] is None for p in document["paths"])
    assert not document["hashes_available"]
    assert any("no info/paths.json" in note for note in document["notes"])
    # has_prefix still tells which file carries the placeholder
    pc = next(p for p in document["paths"] if p["path"] == "lib/pkgconfig/zlib.pc")
    assert pc["prefix_placeholder"] == "/opt/anaconda1anaconda2anaconda3"


def test_install_time_scripts_are_listed():
    path = CHANNELS / "test-recipes" / "noarch" / "post_link_run_in_env_package-1.0-0.conda"
    document = parse_info(info_members(path))
    listed = [p["_path"] for p in json.loads(info_members(path)["info/paths.json"])["paths"]]
    assert document["link_scripts"] == [p for p in listed if "-post-link." in p]
    assert document["activation_scripts"] == sorted(
        p for p in listed if "/activate.d/" in p or "/deactivate.d/" in p
    )
    assert document["link_scripts"] and document["activation_scripts"]
    failing = CHANNELS / "test-recipes" / "noarch" / "failing_post_link-1.0-0.conda"
    assert parse_info(info_members(failing))["link_scripts"] == [
        "Scripts/.failing_post_link-post-link.bat",
        "bin/.failing_post_link-post-link.sh",
    ]


def test_python_distributions_from_site_packages_paths():
    # paths of conda-forge's numpy-1.26.4-py311h7125741_0 (conda/rattler test-data,
    # conda-meta/numpy-1.26.4-py311h7125741_0.json @105471831140)
    paths = [
        {"path": "bin/f2py"},
        {"path": "lib/python3.11/site-packages/numpy-1.26.4.dist-info/METADATA"},
        {"path": "lib/python3.11/site-packages/numpy-1.26.4.dist-info/RECORD"},
        {"path": "lib/python3.11/site-packages/numpy/__init__.py"},
    ]
    assert python_distributions(paths) == [
        {
            "name": "numpy",
            "version": "1.26.4",
            "kind": "dist-info",
            "path": "lib/python3.11/site-packages/numpy-1.26.4.dist-info",
        }
    ]
    egg = [{"path": "lib/python3.7/site-packages/Jupyter_Core-4.6.3-py3.7.egg-info/PKG-INFO"}]
    assert python_distributions(egg)[0] | {"path": None} == {
        "name": "jupyter-core",
        "version": "4.6.3",
        "kind": "egg-info",
        "path": None,
    }
    # a noarch package's site-packages has no sample.dist-info: nothing is invented
    sample = CHANNELS / "test-recipes" / "noarch" / "sample_noarch_python-1.0-py_0.conda"
    assert parse_info(info_members(sample))["python"] == []
