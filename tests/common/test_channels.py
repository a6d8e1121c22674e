"""The channels config file."""

from pathlib import Path

import pytest

from common.channels import ChannelConfigError
from common.channels import parse_channels


def test_relative_file_urls_resolve_against_the_config_folder(tmp_path):
    channels = parse_channels('[channels.a]\nurl = "file:chan"\n', tmp_path, {})
    assert channels["a"].url == (tmp_path / "chan").as_uri()
    assert channels["a"].driver == "conda" and channels["a"].ttl == 300


def test_credentials_come_from_the_named_variable_and_are_not_shown(tmp_path):
    text = '[channels.a]\nurl = "https://x.invalid"\ncredential_env = "A_TOKEN"\n'
    channels = parse_channels(text, tmp_path, {"A_TOKEN": "s3cret-value"})
    assert channels["a"].credential == "s3cret-value"
    assert "s3cret-value" not in repr(channels["a"])
    with pytest.raises(ChannelConfigError, match="A_TOKEN"):
        parse_channels(text, tmp_path, {})


@pytest.mark.parametrize(
    "text",
    [
        '[channels.a]\ndriver = "ftp"\nurl = "x"\n',
        "[channels.a]\n",
        '[channels."../x"]\nurl = "x"\n',
        '[channels.a]\nurl = "x"\nttl = -1\n',
        '[channels.t]\nurl = "x"\n',
        '[channels.api]\nurl = "x"\n',
        "not toml [",
    ],
)
def test_bad_configs_are_refused_with_a_reason(text):
    with pytest.raises(ChannelConfigError):
        parse_channels(text, Path("."), {})
