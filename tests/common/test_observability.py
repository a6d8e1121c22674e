"""Metric label values stay bounded (common/observability.py)."""

from common import observability
from common.observability import FALLBACK_CHANNEL_LABEL
from common.observability import PRIVATE_CHANNEL_LABEL
from common.observability import channel_label


def test_channel_labels_are_configured_names_or_fixed_words(monkeypatch):
    monkeypatch.setattr(observability, "_named_channels", {"main"})
    monkeypatch.setattr(observability, "_private_channels", {"secret"})
    assert channel_label("main") == "main"
    assert channel_label("secret") == PRIVATE_CHANNEL_LABEL
    names = {channel_label(f"random-{n}") for n in range(300)}  # what any client may send
    assert names == {FALLBACK_CHANNEL_LABEL}
