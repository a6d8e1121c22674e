"""`python -m deploy.edge`: the nginx edge in front of one gateway, in the foreground.

`make run` starts it on :8080 before the gateway on :8084, so gunicorn never faces clients
(the same edge rules as Kubernetes and `make cluster`: deploy/k8s/base/edge/). Its config,
cache and logs live in `--dir` (default var/edge).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from deploy.cluster import EDGE_DIR
from deploy.cluster import REPO
from deploy.cluster import find_nginx

TEMPLATE = REPO / "deploy" / "nginx" / "edge.conf.template"


def edge_config(directory: Path, listen: str, gateway: str) -> str:
    """The nginx config for an edge on `listen` in front of the gateway at `gateway`."""
    user = "user root;" if os.geteuid() == 0 else ""  # workers write the cache in `directory`
    text = TEMPLATE.read_text().replace("@USER@", user).replace("@EDGE_DIR@", str(EDGE_DIR))
    text = text.replace("@LISTEN@", listen).replace("@GATEWAY@", gateway)
    return text.replace("@DIR@", str(directory))


def main(argv: list[str] | None = None) -> None:
    """Write the config into --dir and replace this process with nginx."""
    parser = argparse.ArgumentParser(prog="python -m deploy.edge", description=__doc__)
    parser.add_argument("--listen", default="127.0.0.1:8080", help="address clients use")
    parser.add_argument("--gateway", default="127.0.0.1:8084", help="the gateway's address")
    parser.add_argument("--dir", type=Path, default=REPO / "var" / "edge", help="state folder")
    args = parser.parse_args(argv)
    directory = args.dir.resolve()
    for sub in ("cache", "tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    config = directory / "nginx.conf"
    config.write_text(edge_config(directory, args.listen, args.gateway))
    nginx = find_nginx()
    os.execv(nginx, [nginx, "-p", str(directory), "-c", str(config), "-e", "stderr"])  # noqa: S606


if __name__ == "__main__":
    main()
