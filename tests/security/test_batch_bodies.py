"""Issue 20, item 9: a deeply nested batch body was a 500 with a logged traceback
(RecursionError); it is a 400 invalid_parameter like any other body that is not JSON."""

from __future__ import annotations

import pytest

from tests.security.conftest import request

pytestmark = pytest.mark.integration

BATCH = "/api/channels/main/batch/files"


@pytest.mark.parametrize("depth", [5000, 8000])
def test_a_deeply_nested_batch_body_is_a_400_and_logs_no_traceback(attacked, depth):
    logs_before = {path: path.stat().st_size for path in attacked.app_log_paths}
    body = ("[" * depth + "]" * depth).encode()
    answer = request(
        attacked.gateway_url,
        BATCH,
        method="POST",
        body=body,
        source="127.0.0.61",
        headers={"Content-Type": "application/json"},
    )
    assert answer.status == 400, answer.body[:300]
    assert answer.json()["error"]["code"] == "invalid_parameter"
    for path in attacked.app_log_paths:
        with path.open("rb") as log:
            log.seek(logs_before.get(path, 0))
            written = log.read()
        assert b"Traceback" not in written and b"RecursionError" not in written, path
