"""The public surface's types, as a user's ``mypy --strict`` sees them.

One mypy run (its API, in this process) checks ``typed_ok.py`` (calls that must
type-check, with ``assert_type`` pinning return types) and ``typed_errors.py`` (calls that
must not: each marked with a trailing ``E:`` comment naming part of the message or the
``[code]``). The client's conveniences forward their settings untyped (only those given),
so their names and types are compared with the runner's and the watcher's own
signatures here too.
"""

from __future__ import annotations

import collections.abc
import inspect
import re
import typing
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from mypy import api

import codegen_async
from codegen_async import NOT_GIVEN, NotGiven, _client, _protocol, _watch
from codegen_async._bulk import _args as _bulk_args
from codegen_async._bulk import _jobfile, _operations, _types

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
OK = HERE / "typed_ok.py"
ERRORS = HERE / "typed_errors.py"
_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<severity>error|note): (?P<message>.*)$")
_EXPECT = re.compile(r"# E: (?P<text>.*?)\s*(?=# E:|$)")


@pytest.fixture(scope="module")
def mypy_errors(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, dict[int, list[str]]]:
    """mypy's errors for both case files, by file and line (one run for both)."""
    # mypy's default cache under the repository root: warm after scripts/check.
    stdout, stderr, status = api.run(
        [
            "--strict",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            "--show-error-codes",
            "--no-pretty",
            "--no-error-summary",
            "--hide-error-context",
            "--no-color-output",
            "--show-absolute-path",
            str(OK),
            str(ERRORS),
        ]
    )
    assert "" == stderr
    assert status in (0, 1), stdout
    errors: dict[Path, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for line in stdout.splitlines():
        match = _LINE.match(line)
        assert match is not None, f"unexpected mypy output: {line}"
        if match["severity"] == "error":
            errors[Path(match["path"]).resolve()][int(match["line"])].append(match["message"])
    return errors


def expectations(path: Path) -> dict[int, list[str]]:
    """The ``# E:`` expectations of a case file, by line."""
    found: dict[int, list[str]] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if "# E:" in line:
            found[number] = [m["text"] for m in _EXPECT.finditer(line[line.index("# E:") :])]
    return found


class TestMypy:
    def test_good_calls_type_check(self, mypy_errors: dict[Path, dict[int, list[str]]]) -> None:
        """Every call of typed_ok.py type-checks and every assert_type holds."""
        assert {} == dict(mypy_errors.get(OK, {}))

    def test_bad_calls_give_exactly_the_marked_errors(
        self, mypy_errors: dict[Path, dict[int, list[str]]]
    ) -> None:
        """Each marked line of typed_errors.py gives its error, and no other line errs."""
        expected = expectations(ERRORS)
        actual = mypy_errors.get(ERRORS, {})
        assert len(expected) >= 25
        assert sorted(expected) == sorted(actual)
        for line, wanted in expected.items():
            got = actual[line]
            assert len(wanted) == len(got), (line, got)
            for text in wanted:
                assert any(text in message for message in got), (line, text, got)

    def test_case_files_are_not_collected(self) -> None:
        """The case files are not test modules: pytest never imports or runs them."""
        assert not any(p.name.startswith("test_") for p in (OK, ERRORS))


def _hints(fn: Any, *modules: Any) -> dict[str, Any]:
    """``fn``'s annotations evaluated with the names its module imports for type checking."""
    namespace: dict[str, Any] = {"Callable": collections.abc.Callable, "NotGiven": NotGiven}
    for module in modules:
        namespace.update(vars(module))
    return typing.get_type_hints(fn, globalns=namespace)


def _forwarded(conv: Any, target: Any, skip: set[str]) -> list[tuple[str, Any, Any]]:
    """(name, the convenience's type, the target's type) of each setting passed on."""
    modules = (_client, _operations, _types, _jobfile, _bulk_args, _watch, _protocol)
    ours, theirs = _hints(conv, *modules), _hints(target, *modules)
    params = inspect.signature(conv).parameters
    names = [n for n, p in params.items() if p.default is NOT_GIVEN and n not in skip]
    return [(n, ours[n], theirs.get(n)) for n in names]


class TestForwardedSettings:
    @pytest.mark.parametrize(
        ("conv", "target", "skip"),
        [
            (
                codegen_async.AsyncCodegenClient.bulk_operations,
                _operations.AsyncBulkOperations.__init__,
                set(),
            ),
            (
                codegen_async.AsyncCodegenClient.bulk_create_agent_runs,
                _operations.AsyncBulkOperations.create_agent_runs,
                {"max_concurrent"},
            ),
            (
                codegen_async.AsyncCodegenClient.watch_agent_runs,
                codegen_async.AsyncRunWatcher.__init__,
                set(),
            ),
            (
                codegen_async.AsyncCodegenClient.wait_for_all,
                codegen_async.AsyncRunWatcher.__init__,
                set(),
            ),
        ],
        ids=["bulk_operations", "bulk_create_agent_runs", "watch_agent_runs", "wait_for_all"],
    )
    def test_settings_mirror_the_target(self, conv: Any, target: Any, skip: set[str]) -> None:
        """Each NOT_GIVEN setting of a convenience is one of the target's keyword
        parameters, typed the same plus NotGiven; and none of the target's is missing."""
        forwarded = _forwarded(conv, target, skip)
        wanted = {
            n
            for n, p in inspect.signature(target).parameters.items()
            if p.kind is p.KEYWORD_ONLY and p.default is not p.empty
        } - {"max_concurrent"}
        assert wanted <= {n for n, _, _ in forwarded}
        for name, ours, theirs in forwarded:
            assert theirs is not None, f"{name} is not a setting of {target.__qualname__}"
            assert theirs | NotGiven == ours, name
