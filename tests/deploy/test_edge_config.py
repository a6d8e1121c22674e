"""The edge's Kubernetes nginx.conf is valid nginx (checked by the real nginx, `nginx -t`)."""

from __future__ import annotations

import re
import subprocess

from deploy.cluster import EDGE_DIR
from deploy.cluster import find_nginx


def _assert_nginx_accepts(directory, text: str) -> None:
    config = directory / "nginx.conf"
    config.write_text(text)
    result = subprocess.run(
        [find_nginx(), "-t", "-p", str(directory), "-c", str(config), "-e", "stderr"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_the_kubernetes_edge_config_passes_nginx_t(tmp_path):
    for name in ("edge-http.conf", "edge-server.conf"):
        (tmp_path / name).write_text((EDGE_DIR / name).read_text())
    text = (EDGE_DIR / "nginx.conf").read_text()
    text = text.replace("/tmp/", "@TMP@/").replace("/etc/nginx/edge/", "@TMP@/")
    text = text.replace("/var/cache/nginx/", "@TMP@/cache/").replace("@TMP@", str(tmp_path))
    text = text.replace("server gateway:80", "server 127.0.0.1:9")  # no cluster DNS here
    (tmp_path / "cache").mkdir()  # the emptyDir at /var/cache/nginx
    _assert_nginx_accepts(tmp_path, text)


def test_the_make_run_edge_config_passes_nginx_t(tmp_path):
    from deploy.edge import edge_config

    for sub in ("cache", "tmp/body", "tmp/proxy"):
        (tmp_path / sub).mkdir(parents=True)
    text = edge_config(tmp_path, "127.0.0.1:1", "127.0.0.1:9")
    assert re.search(r"@[A-Z_]+@", text) is None  # every placeholder filled in
    _assert_nginx_accepts(tmp_path, text)


def test_every_edge_raises_its_open_files_limit_as_make_runs_does():
    """The limit is checked on a running edge in test_edge_refresh; the other two configs
    (Kubernetes, `make cluster`) must carry the same line."""
    from deploy.cluster import REPO

    for path in (
        EDGE_DIR / "nginx.conf",
        REPO / "deploy" / "nginx" / "cluster.conf.template",
        REPO / "deploy" / "nginx" / "edge.conf.template",
    ):
        lines = [line.strip() for line in path.read_text().splitlines()]
        assert "worker_rlimit_nofile 16384;" in lines, path
