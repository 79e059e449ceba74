"""``codegen-client``: the command-line tool, built on the async client.

    codegen-client whoami | orgs | repos
    codegen-client runs list | get ID | create PROMPT|- | wait ID... | logs ID [--follow]
    codegen-client runs resume ID PROMPT
    codegen-client bulk FILE [--output results.jsonl] [--wait]
    codegen-client emulator [emulator options]
    codegen-client demo [--count N] [--output FILE]

The token comes from ``--token`` or ``CODEGEN_API_TOKEN`` and is never printed.
``--json`` switches every command to plain JSON lines on stdout. Global options go before
or after the command; exit statuses follow one table (``codegen-client --help``).
"""

from __future__ import annotations

from ._app import build_parser, main

__all__ = ["build_parser", "main"]
