"""Integration tests use the fixtures the package ships (imported here so they work uninstalled)."""

from codegen_async.testing.pytest_plugin import codegen_emulator, codegen_emulator_factory

__all__ = ["codegen_emulator", "codegen_emulator_factory"]
