"""One index per host for channels read whole: built once per upstream change, shared by all.

The interface the `conda` driver uses:
- `HostIndexes.current(key, plan, ttl)` -> `LiveIndex`: the channel's index, waiting for the
  first build when there is none yet; when it is older than the TTL, one worker on the host
  checks the upstream in the background (conditional requests) and, if anything changed,
  rebuilds into a new file that replaces the old one atomically; the old one serves meanwhile.
- `HostIndexes.peek(key, plan, ttl)`: the same, without ever waiting (None until built): for
  sharded channels, whose reverse-dependency index is built in the background.
"""

from gateway.hostindex.refresh import HostIndexes
from gateway.hostindex.refresh import LiveIndex
from gateway.hostindex.refresh import Plan
from gateway.hostindex.refresh import RepodataInput
from gateway.hostindex.refresh import ShardsInput
from gateway.hostindex.refresh import host_indexes

__all__ = ["HostIndexes", "LiveIndex", "Plan", "RepodataInput", "ShardsInput", "host_indexes"]
