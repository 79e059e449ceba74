"""Printing for the CLI: rich tables and colour for people, JSON lines with ``--json``.

``rich`` is an optional extra ("progress"); without it, tables degrade to aligned
plain text. Nothing here ever prints the API token.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any, TextIO

__all__ = ["STATUS_STYLES", "Output", "format_time"]

STATUS_STYLES = {
    "COMPLETE": "green",
    "COMPLETED": "green",
    "ACTIVE": "cyan",
    "PENDING": "cyan",
    "RUNNING": "cyan",
    "PAUSED": "yellow",
    "FAILED": "red",
    "ERROR": "red",
    "CANCELLED": "magenta",
    "TIMEOUT": "red",
}


def format_time(when: datetime | None) -> str:
    """A timestamp as every command shows it: UTC, to the second, marked ``Z``.

    A naive ``datetime`` (the API's form without an offset) is taken as UTC.
    """
    if when is None:
        return ""
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    return when.strftime("%Y-%m-%d %H:%M:%SZ")


class Output:
    """Where the CLI writes: data to stdout, messages and progress to stderr."""

    def __init__(
        self,
        *,
        as_json: bool = False,
        color: bool | None = None,
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        self.as_json = as_json
        self.out = out if out is not None else sys.stdout
        self.err = err if err is not None else sys.stderr
        self._console: Any = None
        self._err_console: Any = None
        if not as_json:
            try:
                from rich.console import Console
            except ImportError:
                pass
            else:
                no_color = color is False
                self._console = Console(file=self.out, no_color=no_color, highlight=False)
                self._err_console = Console(file=self.err, no_color=no_color, highlight=False)

    @property
    def rich(self) -> bool:
        """Whether rich is drawing."""
        return self._console is not None

    def json(self, value: Any) -> None:
        """One JSON document on one line."""
        self.out.write(json.dumps(value, default=str, separators=(",", ":")) + "\n")
        self.out.flush()

    def message(self, text: str, style: str | None = None) -> None:
        """A line for people, on stderr."""
        if self._err_console is not None:
            self._err_console.print(
                text, style=style, markup=False, highlight=False, soft_wrap=True
            )
        else:
            self.err.write(text + "\n")
            self.err.flush()

    def line(self, text: str, style: str | None = None) -> None:
        """A line of data for people, on stdout."""
        if self._console is not None:
            self._console.print(text, style=style, markup=False, highlight=False, soft_wrap=True)
        else:
            self.out.write(text + "\n")
            self.out.flush()

    def error(self, text: str) -> None:
        """An error message (``error: ...``) on stderr."""
        self.message(f"error: {text}", style="bold red")

    def table(
        self,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        title: str | None = None,
        status_column: int | None = None,
        header: bool = True,
    ) -> None:
        """A table; the status column (if any) is coloured by status."""
        rows = [["" if v is None else str(v) for v in row] for row in rows]
        if self._console is not None:
            from rich.table import Table

            table = Table(title=title, title_justify="left", show_header=header)
            for name in columns:
                table.add_column(name, overflow="fold")
            for row in rows:
                cells: list[Any] = list(row)
                if status_column is not None:
                    style = STATUS_STYLES.get(row[status_column].upper())
                    if style:
                        from rich.text import Text

                        cells[status_column] = Text(row[status_column], style=style)
                table.add_row(*cells)
            self._console.print(table)
            return
        if title:
            self.out.write(title + "\n")
        widths = [len(c) for c in columns]
        for row in rows:
            widths = [max(w, len(v)) for w, v in zip(widths, row, strict=False)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        if header:
            self.out.write(fmt.format(*columns).rstrip() + "\n")
        for row in rows:
            self.out.write(fmt.format(*row).rstrip() + "\n")
        self.out.flush()
