"""The exit statuses of ``codegen-client``: one table, used by every command.

When several apply, the first in this order wins: interrupted, job locked, usage,
duplicates, unknown outcomes, failed.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "EXIT_DUPLICATES",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_LOCKED",
    "EXIT_OK",
    "EXIT_TABLE",
    "EXIT_UNKNOWN",
    "EXIT_USAGE",
]

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
EXIT_UNKNOWN: Final = 3
EXIT_DUPLICATES: Final = 4
EXIT_LOCKED: Final = 5
EXIT_INTERRUPTED: Final = 130

EXIT_TABLE: Final = """\
exit status:
  0    success: every input created exactly once, every command succeeded
  1    failure: an API error, items that failed, runs that ended FAILED or ERROR,
       or --wait timed out
  2    usage or input error (bad option, bad file): nothing was sent
  3    outcome unknown: some creates could not be proven done or absent; they were
       not resent (see --resend-unknown); re-run later to settle them
  4    duplicates: the audit found an input created more than once (the summary
       lists the run ids)
  5    the job is locked: another codegen-client runs it (the message names it)
  130  interrupted (Ctrl-C or SIGTERM): re-run the same command to resume
"""
