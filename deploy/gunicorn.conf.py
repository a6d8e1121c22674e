"""gunicorn settings for all three processes; values come from common.settings."""

import os
import shutil

from common.settings import Settings

_settings = Settings.from_env(with_channels=False)

# gthread, minus gunicorn's echo of malformed request lines (common/gunicorn_worker.py)
worker_class = (
    "common.gunicorn_worker.QuietThreadWorker"
    if _settings.gunicorn_worker_class == "gthread"
    else _settings.gunicorn_worker_class
)
workers = _settings.gunicorn_workers
threads = _settings.gunicorn_threads
timeout = _settings.gunicorn_timeout
graceful_timeout = _settings.gunicorn_graceful_timeout
keepalive = _settings.gunicorn_keepalive
# no preload: each worker opens its own cache connections after the fork
preload_app = False
# access lines never carry tokens: the logger redacts `token=` values and `/t/<token>/` paths
logger_class = "common.gunicorn_logging.RedactingLogger"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" %({x-request-id}o)s'
limit_request_line = 8190
# X-Forwarded-* are believed only from TRUSTED_PROXIES, by the apps (common/forwarded.py);
# gunicorn's own trust (127.0.0.1 by default) would let any local process set the scheme
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
limit_request_fields = 100
# gunicorn 27's control socket defaults to one path per user: several instances on one host
# (tests, `make cluster`) would fight over it, and we do not use it.
control_socket_disable = True

# Prometheus multiprocess mode: every worker of this master writes its samples to one folder
# (a folder per master, so the three apps on one host keep theirs apart).
_metrics_dir = _settings.state_dir / "metrics" / str(os.getpid())
shutil.rmtree(_metrics_dir, ignore_errors=True)
_metrics_dir.mkdir(parents=True, exist_ok=True)
raw_env = [f"PROMETHEUS_MULTIPROC_DIR={_metrics_dir}"]
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)


_metrics_server = None


def when_ready(server):
    """Serve every worker's metrics on METRICS_BIND (an internal address), not the public port."""
    global _metrics_server
    if not _settings.metrics_bind:
        return
    from prometheus_client import start_http_server

    from common.observability import metrics_registry

    host, _, port = _settings.metrics_bind.rpartition(":")
    _metrics_server, _ = start_http_server(int(port), host or "0.0.0.0", metrics_registry())  # noqa: S104
    server.log.info("metrics on http://%s/metrics", _settings.metrics_bind)


def post_fork(server, worker):
    """Workers do not serve metrics: close their copy of the master's metrics socket."""
    if _metrics_server is not None:
        _metrics_server.socket.close()


def child_exit(server, worker):
    """Drop a dead worker's live gauges from the metrics."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Stop the metrics listener and remove this master's metrics folder."""
    if _metrics_server is not None:
        _metrics_server.shutdown()
    shutil.rmtree(_metrics_dir, ignore_errors=True)
