"""Free TCP ports on loopback for the processes we start (outside the ephemeral range)."""

from __future__ import annotations

import contextlib
import random
import socket
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    return free_ports(1)[0]


# Ports we hand out come from below the kernel's ephemeral range: every outgoing connection
# takes its local port from that range, so a port chosen there can be taken (by any client on
# the host) between our choosing it and our process binding it.
LOWEST_PORT = 10_000
_EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")
_random = random.SystemRandom()  # not `random`: pytest-randomly seeds it alike in every worker


def ephemeral_ports() -> range:
    """The kernel's range for the local ports of outgoing connections (Linux's default when
    the kernel does not say)."""
    try:
        low, high = (int(n) for n in _EPHEMERAL.read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(low, high + 1)


def free_ports(count: int) -> list[int]:
    """`count` different TCP ports on 127.0.0.1 that nothing listens on right now, outside the
    ephemeral range when there is room below it (bound all at once, so no two are the same, as
    two separate `free_port()` calls may be)."""
    ephemeral = ephemeral_ports()
    pool = range(LOWEST_PORT, ephemeral.start) if ephemeral.start - LOWEST_PORT >= 1000 else None
    with contextlib.ExitStack() as stack:
        ports: list[int] = []
        for _ in range(100 * count):
            if len(ports) == count:
                break
            sock = stack.enter_context(socket.socket())
            try:
                sock.bind(("127.0.0.1", _random.choice(pool) if pool else 0))
            except OSError:  # in use: draw again
                continue
            ports.append(sock.getsockname()[1])
        if len(ports) < count:
            raise RuntimeError(f"no {count} free ports in {pool}")
        return ports


class PortTaken(RuntimeError):
    """A process could not listen on its port: another process took it first."""
