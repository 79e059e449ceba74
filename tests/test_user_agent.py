"""The default User-Agent names the client, its version, Python and the OS; one version source."""

from __future__ import annotations

import platform
import re
import sys

import codegen_async
import codegen_sync
from codegen_async import CodegenConfig
from codegen_async._version import version
from codegen_async.cli._app import version as cli_version


def test_default_user_agent_shape() -> None:
    """``codegen-client/<version> (Python <x.y.z>; <OS> <release>)``."""
    agent = CodegenConfig(api_token="t").user_agent
    python = ".".join(map(str, sys.version_info[:3]))
    match = re.fullmatch(r"codegen-client/(\S+) \(Python (\S+); ([^()]+)\)", agent)
    assert match is not None, agent
    assert (version(), python) == match.group(1, 2)
    assert match.group(3).startswith(platform.system())
    assert agent.isascii() and agent.isprintable()


def test_one_version_source() -> None:
    """__version__ of both packages, the CLI's --version and the User-Agent agree."""
    assert version() == codegen_async.__version__ == codegen_sync.__version__ == cli_version()
    assert f"codegen-client/{version()} " in CodegenConfig(api_token="t").user_agent


def test_user_agent_can_be_replaced() -> None:
    """user_agent=... replaces the default whole."""
    assert "mine/1.0" == CodegenConfig(api_token="t", user_agent="mine/1.0").user_agent
