"""Hatch build hook: regenerate ``codegen_sync`` before each build (no wheel ships a stale twin)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Runs ``scripts/unasync.py`` when a wheel or sdist is built."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name == "wheel" and version == "editable":
            return  # an editable install serves the tree as it is
        script = Path(self.root) / "scripts" / "unasync.py"
        subprocess.run([sys.executable, str(script)], check=True, cwd=self.root)
