"""A local emulator of the Codegen REST API v1 (aiohttp.web), for demos, tests and benchmarks.

    async with Emulator(EmulatorConfig(time_scale=0.01)) as emu:
        ...  # point a client at emu.url with emu.token

    with serve_in_thread(time_scale=0.01) as emu:   # from sync code
        ...

Run it from a terminal with ``python -m codegen_async.emulator --port 8765``.
See ``docs/emulator.md`` for every option, the steering keys, and what is not emulated.
"""

from ._accounting import Accounting, CreateRecord
from ._clock import Clock
from ._config import (
    DEFAULT_ORG_ID,
    DEFAULT_TOKEN,
    EmulatorConfig,
    FaultConfig,
    parse_faults,
    parse_rate_limits,
)
from ._handlers import OPERATIONS
from ._ratelimit import LIMITS
from ._runs import IN_PROGRESS, PROMPT_TAGS, TERMINAL, Run
from ._seed import DEFAULT_USER_ID, OTHER_ORG_ID
from ._server import Emulator, serve_in_thread
from ._state import World

__all__ = [
    # configuring it
    "DEFAULT_ORG_ID",
    "DEFAULT_TOKEN",
    "DEFAULT_USER_ID",
    # reference tables
    "IN_PROGRESS",
    "LIMITS",
    "OPERATIONS",
    "OTHER_ORG_ID",
    "PROMPT_TAGS",
    "TERMINAL",
    # inspecting it
    "Accounting",
    "Clock",
    "CreateRecord",
    # running it
    "Emulator",
    "EmulatorConfig",
    "FaultConfig",
    "Run",
    "World",
    "parse_faults",
    "parse_rate_limits",
    "serve_in_thread",
]
