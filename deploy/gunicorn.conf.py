"""gunicorn settings for all three processes; values come from common.settings."""

import os
import shutil

from common.settings import Settings

_settings = Settings.from_env(with_channels=False)

worker_class = _settings.gunicorn_worker_class
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


def child_exit(server, worker):
    """Drop a dead worker's live gauges from the metrics."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove this master's metrics folder."""
    shutil.rmtree(_metrics_dir, ignore_errors=True)
