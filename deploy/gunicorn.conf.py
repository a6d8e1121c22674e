"""gunicorn settings for all three processes; values come from common.settings."""

from common.settings import Settings

_settings = Settings.from_env(with_channels=False)

worker_class = "gthread"
workers = _settings.gunicorn_workers
threads = _settings.gunicorn_threads
timeout = _settings.gunicorn_timeout
graceful_timeout = _settings.gunicorn_graceful_timeout
keepalive = _settings.gunicorn_keepalive
# no preload: each worker opens its own cache connections after the fork
preload_app = False
# access lines never carry tokens: the logger redacts `token=` values and `/t/<token>/` paths
logger_class = "common.gunicorn_logging.RedactingLogger"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
limit_request_line = 8190
limit_request_fields = 100
# gunicorn 27's control socket defaults to one path per user: several instances on one host
# (tests, `make cluster`) would fight over it, and we do not use it.
control_socket_disable = True
