"""The readers: every real lockfile gives each locked package once per environment and
platform, with the lock's own digests; bad input is a clear LockError."""

from __future__ import annotations

import io
import json
import re
import tarfile
import zipfile

import pytest

from environments import read_lock
from environments.errors import LockError
from environments.errors import NotALock
from tests.environments.lockdata import CONDA_LOCK
from tests.environments.lockdata import CONDA_META
from tests.environments.lockdata import ENVIRONMENT_YML
from tests.environments.lockdata import EXPLICIT
from tests.environments.lockdata import PIXI
from tests.environments.lockdata import conda_lock_expected
from tests.environments.lockdata import explicit_expected
from tests.environments.lockdata import pixi_expected


@pytest.mark.parametrize("path", PIXI, ids=lambda p: p.name)
def test_pixi_lock_every_environment_and_platform(path):
    lock = read_lock(path.read_bytes())
    expected = pixi_expected(path)
    assert lock.format == f"pixi.lock v{path.name.split('-v')[-1][0]}"
    found = {
        (env, platform): sorted(
            ((p.url or ".") if p.kind == "conda" else _pypi_location(path, p), p.sha256)
            for p in packages
        )
        for env, platforms in lock.environments.items()
        for platform, packages in platforms.items()
    }
    assert set(found) == set(expected)
    for key, rows in expected.items():
        assert [r[0] for r in found[key]] == [r[0] for r in rows], key
        digests = dict(found[key])
        for location, want in rows:
            # py-rattler keeps no hash for a local source path (`pypi: ./`): nothing to check
            if want is not None and location.startswith(("http", "git+")):
                assert digests[location] == want, location


def _pypi_location(path, package):
    """The pixi.lock location a PyPI package came from (rattler gives it as written)."""
    return package.url


def test_pixi_lock_pypi_entries_are_pypi():
    path = next(p for p in PIXI if p.name.startswith("geodepot"))
    lock = read_lock(path.read_bytes())
    pypi = {p.name for p in lock.environments["dev"]["linux-64"] if p.kind == "pypi"}
    expected = pixi_expected(path)[("dev", "linux-64")]
    assert len(pypi) == sum(1 for loc, _ in expected if "pythonhosted" in loc) > 0


@pytest.mark.parametrize("path", CONDA_LOCK, ids=lambda p: p.name)
def test_conda_lock(path):
    lock = read_lock(path.read_bytes())
    assert lock.format == "conda-lock.yml v1"
    found = {
        platform: sorted((p.url, p.sha256) for p in packages)
        for platform, packages in lock.environments["default"].items()
    }
    assert found == conda_lock_expected(path)


@pytest.mark.parametrize("path", EXPLICIT, ids=lambda p: p.name)
def test_explicit(path):
    lock = read_lock(path.read_bytes())
    ((platform, packages),) = lock.environments["default"].items()
    assert platform == "linux-64"
    assert sorted((p.url, p.md5 or p.sha256) for p in packages) == explicit_expected(path)


def test_explicit_sha256_anchor():
    line = explicit_expected(EXPLICIT[0])[0][0]
    body = f"@EXPLICIT\n{line}#sha256:{'ab' * 32}\n".encode()
    (package,) = read_lock(body).environments["default"]["linux-64"]
    assert package.sha256 == "ab" * 32 and package.md5 is None


@pytest.mark.parametrize("path", CONDA_META, ids=lambda p: p.name)
def test_conda_meta_record_and_archives(path):
    record = json.loads(path.read_text())
    (single,) = next(iter(read_lock(path.read_bytes()).environments["default"].values()))
    assert (single.name, single.sha256, single.url) == (
        record["name"],
        record["sha256"],
        record["url"],
    )
    tar_body, zip_body = io.BytesIO(), io.BytesIO()
    with tarfile.open(fileobj=tar_body, mode="w:gz") as archive:
        archive.add(path, arcname=f"env/conda-meta/{path.name}")
    with zipfile.ZipFile(zip_body, "w") as archive:
        archive.write(path, f"conda-meta/{path.name}")
    for body in (tar_body.getvalue(), zip_body.getvalue()):
        lock = read_lock(body)
        assert lock.environments == {"default": {record["subdir"]: (single,)}}


@pytest.mark.parametrize("path", ENVIRONMENT_YML, ids=lambda p: p.name)
def test_environment_yml_is_not_a_lock(path):
    with pytest.raises(NotALock) as caught:
        read_lock(path.read_bytes())
    assert caught.value.status == 400 and "pixi lock" in caught.value.message


@pytest.mark.parametrize("path", PIXI + CONDA_LOCK, ids=lambda p: p.name)
def test_truncated_files_are_clear_errors(path):
    data = path.read_bytes()
    with pytest.raises(LockError) as caught:
        read_lock(data[: len(data) // 2 + 7])
    assert caught.value.status == 400


@pytest.mark.parametrize("path", PIXI + CONDA_LOCK, ids=lambda p: p.name)
def test_wrong_versions_are_clear_errors(path):
    text = path.read_text()
    changed = re.sub(r"^version: .*$", "version: 99", text, count=1, flags=re.M)
    with pytest.raises(LockError, match="version 99 is not supported"):
        read_lock(changed.encode())


@pytest.mark.parametrize(
    "body",
    [b"", b"\x00\x01binary", b"[1, 2", b"name: x\n", b"PK\x03\x04broken", b'{"name": 1}'],
)
def test_junk_is_a_lock_error(body):
    with pytest.raises(LockError):
        read_lock(body)


def test_a_lockfile_read_again_is_not_parsed_again():
    data = PIXI[0].read_bytes()
    assert read_lock(data) is read_lock(bytes(data))
    assert read_lock(data + b"\n") is not read_lock(data)
