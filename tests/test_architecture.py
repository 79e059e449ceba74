"""The layers of docs/architecture.md, enforced on every import the code contains.

Each module's imports are read with ``ast``: at the top, inside functions (lazy) and under
``TYPE_CHECKING``, all of them. Module names are written relative to the package
(``_http._transport``, ``cli._app``); the root package is ``""``.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("codegen_async", "codegen_sync")

# Public modules: pure, and what every outside consumer may use (besides the root).
PUBLIC_PURE = {"models", "errors", "config", "events", "webhooks", "options", "responses"}
PUBLIC = PUBLIC_PURE | {"scale"}
# The request pipeline, below the client.
PIPELINE = ("_http", "_ratelimit")
# The client's core: it builds the features (lazily), which never import it back.
CORE = {"_client", "_base", "_orgs", "_runs", "_logs", "_bans", "_request", "_raw"}
# Private leaf helpers any layer may use: pure, importing only public pure modules.
LEAVES = {"_version", "_aio", "_params"}
FEATURES = ("_watch", "_health", "_health_stats", "_bulk")
# Consumers of the client package, shipped inside it.
CONSUMERS = ("cli", "integrations", "testing", "emulator")

# Private imports of the consumers still to be replaced by public ones, each with its reason.
KNOWN_DEBT = {
    # The CLI's bulk command drives the bulk machinery itself (job file, search, progress).
    ("cli._bulkcmd", "_bulk._jobfile"),
    ("cli._bulkcmd", "_bulk._markers"),
    ("cli._bulkcmd", "_bulk._progress"),
    ("cli._bulkcmd", "_bulk._types"),
    # The Celery task names its job ids like the bulk runner does.
    ("integrations.celery", "_bulk._types"),
    # The mock client is the pipeline's test double: it swaps the transport.
    ("testing._mock", "_http._backend"),
    ("testing._mock", "_http._transport"),
}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    lazy: bool  # inside a function or under TYPE_CHECKING: not run when the module loads
    line: int

    def __str__(self) -> str:
        return f"{self.source or '<root>'} -> {self.target or '<root>'} (line {self.line})"


def _modules(package: str) -> dict[str, Path]:
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = list(path.relative_to(ROOT / package).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(
    tree: ast.AST, lazy: bool = False
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, lazy
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _imports(node, True)
        elif isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.body:
                yield from _imports(ast.Module(body=[child], type_ignores=[]), True)
            for child in node.orelse:
                yield from _imports(ast.Module(body=[child], type_ignores=[]), lazy)
        else:
            yield from _imports(node, lazy)


def _targets(
    name: str, is_package: bool, node: ast.Import | ast.ImportFrom, known: set[str]
) -> list[str]:
    """The package's modules an import statement loads, relative to the package."""
    if isinstance(node, ast.ImportFrom) and node.level:
        base = name.split(".") if name else []
        if not is_package:
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        module = ".".join([*base, node.module] if node.module else base)
        return [_submodule(module, alias.name, known) for alias in node.names]
    if isinstance(node, ast.Import):
        absolute = [alias.name for alias in node.names]
    elif node.module in PACKAGES:  # from codegen_async import x: a name or a module
        absolute = [f"{node.module}.{_submodule('', a.name, known)}" for a in node.names]
    else:
        absolute = [node.module or ""]
    out = []
    for target in absolute:
        head, _, rest = target.partition(".")
        if head in PACKAGES:
            out.append(rest.rstrip("."))
    return out


def _submodule(module: str, name: str, known: set[str]) -> str:
    """``module.name`` when that is a module of the package, else ``module``."""
    candidate = f"{module}.{name}".strip(".")
    return candidate if candidate in known else module


def graph(package: str) -> list[Edge]:
    """Every import edge between the package's modules (and to the other package)."""
    modules = _modules(package)
    known = set(modules)
    edges = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        for node, lazy in _imports(tree):
            for target in _targets(name, path.name == "__init__.py", node, known):
                if target != name:
                    edges.append(Edge(name, target, lazy, node.lineno))
    return edges


def _in(module: str, areas: tuple[str, ...] | set[str]) -> bool:
    return any(module == a or module.startswith(a + ".") for a in areas)


def _cycles(edges: list[Edge]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    succ: dict[str, set[str]] = {}
    for e in edges:
        succ.setdefault(e.source, set()).add(e.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in succ.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in list(succ):
        if v not in index:
            visit(v)
    return found


@pytest.fixture(scope="module", params=PACKAGES)
def edges(request: pytest.FixtureRequest) -> list[Edge]:
    return graph(request.param)


class TestImportRules:
    def test_no_import_circle(self, edges: list[Edge]) -> None:
        """No circle between modules, counting lazy and TYPE_CHECKING imports.

        The root ``__init__`` is left out: it is an index of public names, each imported
        on first use by ``__getattr__``, so it loads nothing when a module imports it.
        """
        assert [] == _cycles([e for e in edges if e.source != ""])

    def test_pipeline_knows_nothing_above_it(self, edges: list[Edge]) -> None:
        """``_http`` and ``_ratelimit`` import only each other and the pure public modules."""
        bad = [
            str(e)
            for e in edges
            if _in(e.source, PIPELINE)
            and not (_in(e.target, PIPELINE) or e.target in PUBLIC_PURE | LEAVES)
        ]
        assert [] == bad

    def test_features_never_import_the_client(self, edges: list[Edge]) -> None:
        """Bulk, watch and health type the client through ``_protocol``, never import it."""
        bad = [
            str(e)
            for e in edges
            if _in(e.source, FEATURES)
            and (e.target in CORE or e.target == "" or _in(e.target, CONSUMERS))
        ]
        assert [] == bad

    def test_client_builds_features_lazily(self, edges: list[Edge]) -> None:
        """The client imports a feature only where it builds one: importing it stays cheap."""
        bad = [str(e) for e in edges if e.source in CORE and _in(e.target, FEATURES) and not e.lazy]
        assert [] == bad

    def test_public_pure_modules_stay_pure(self, edges: list[Edge]) -> None:
        """models, errors, config, events and webhooks import no machinery."""
        allowed = PUBLIC_PURE | LEAVES
        bad = [str(e) for e in edges if e.source in PUBLIC_PURE and e.target not in allowed]
        assert [] == bad

    def test_emulator_uses_public_modules_only(self, edges: list[Edge]) -> None:
        """The emulator depends on models, events, webhooks, errors and config, no more."""
        bad = [
            str(e)
            for e in edges
            if _in(e.source, ("emulator",))
            and not (_in(e.target, ("emulator",)) or e.target in PUBLIC_PURE)
        ]
        assert [] == bad

    def test_consumers_use_public_modules_only(self, edges: list[Edge]) -> None:
        """cli, integrations and testing import the root, public modules and themselves."""
        bad = [
            str(e)
            for e in edges
            if _in(e.source, ("cli", "integrations", "testing"))
            and e.target.split(".")[0].startswith("_")
            and (e.source, e.target) not in KNOWN_DEBT
        ]
        assert [] == bad

    def test_nothing_below_imports_a_consumer(self, edges: list[Edge]) -> None:
        """Only consumers (and the root's index) import cli, integrations, testing, emulator."""
        bad = [
            str(e)
            for e in edges
            if _in(e.target, CONSUMERS) and not (e.source == "" or _in(e.source, CONSUMERS))
        ]
        assert [] == bad

    def test_known_debt_is_still_owed(self) -> None:
        """Each exception to the consumer rule is still in use (else remove it)."""
        seen = {(e.source, e.target) for e in graph("codegen_async")}
        assert set() == KNOWN_DEBT - seen


class TestPublicNames:
    @pytest.mark.parametrize("package", PACKAGES)
    def test_every_public_name_resolves(self, package: str) -> None:
        """Each name of ``__all__`` imports, from the module the index names."""
        module = importlib.import_module(package)
        for name in module.__all__:
            assert getattr(module, name) is not None, name

    def test_one_list_of_public_names(self) -> None:
        """The type checkers' imports in ``__init__`` name exactly the index's names and
        modules (``_SOURCES``, from which ``__all__`` is made)."""
        import codegen_async

        tree = ast.parse((ROOT / "codegen_async" / "__init__.py").read_text())
        typed = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and _is_type_checking(node):
                for imp in node.body:
                    if isinstance(imp, ast.ImportFrom):
                        for alias in imp.names:
                            typed[alias.asname or alias.name] = "." * imp.level + (imp.module or "")
        assert codegen_async._SOURCES == typed
        assert list(codegen_async._SOURCES) == codegen_async.__all__

    def test_version_comes_from_the_installed_metadata(self) -> None:
        """``__version__`` is the distribution's version (pyproject.toml holds it)."""
        from importlib.metadata import version

        import codegen_async
        import codegen_sync

        assert version("codegen-client") == codegen_async.__version__ == codegen_sync.__version__
