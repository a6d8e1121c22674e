"""The real processes the tests start: now the `runner` package (re-exported here, so tests
that import from `tests.processes` keep working)."""

from runner.ports import LOWEST_PORT  # noqa: F401
from runner.ports import PortTaken  # noqa: F401
from runner.ports import ephemeral_ports  # noqa: F401
from runner.ports import free_port  # noqa: F401
from runner.ports import free_ports  # noqa: F401
from runner.processes import GUNICORN_CONF  # noqa: F401
from runner.processes import REPO  # noqa: F401
from runner.processes import Process  # noqa: F401
from runner.processes import http_get  # noqa: F401
from runner.processes import start_gunicorn  # noqa: F401
from runner.processes import start_redis  # noqa: F401
from runner.processes import wait_http  # noqa: F401
from runner.system import ALL_APPS  # noqa: F401
from runner.system import LOCAL_INTERNAL_KEY as TEST_INTERNAL_KEY  # noqa: F401
from runner.system import LOCAL_ISSUER as TEST_ISSUER  # noqa: F401
from runner.system import LOCAL_SECRET as TEST_SECRET  # noqa: F401
from runner.system import System  # noqa: F401
from runner.system import start_system  # noqa: F401
from runner.system import system_env  # noqa: F401
from runner.upstream import UpstreamServer  # noqa: F401
