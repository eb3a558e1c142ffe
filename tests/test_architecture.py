"""The package's import graph: no cycles (module- or function-level imports), no core -> shell edge.

Shells are the CLI (``cli/``), the Excel shell (``xl.py``, ``udf.py``), the converters
(``convert/``) and the importers (``importers/``); everything else is the core, which must never
import a shell. Imports under ``if TYPE_CHECKING:`` are type-only and not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "poam_xl"
SHELLS = ("poam_xl.__main__", "poam_xl.cli", "poam_xl.xl", "poam_xl.udf", "poam_xl.convert",
          "poam_xl.importers")
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if _is_package(module) else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str) -> set[str]:
    """The poam_xl modules ``module`` imports anywhere in its body (not type-only)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    typing_only = _type_checking_lines(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("poam_xl"))
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            if not target.startswith("poam_xl"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    return {m if m in MODULES else m.rpartition(".")[0] for m in found} - {module}


GRAPH = {m: imports_of(m) for m in MODULES}


def _is_shell(module: str) -> bool:
    return any(module == s or module.startswith(s + ".") for s in SHELLS)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_graph_sees_function_level_imports() -> None:
    # cli/validate.py imports the batch engine inside its command function
    assert "poam_xl.batch" in GRAPH["poam_xl.cli.validate"] or any(
        m.startswith("poam_xl.batch") for m in GRAPH["poam_xl.cli.validate"])
    assert GRAPH["poam_xl.validation"], "validation imports the core it runs"


def test_no_import_cycles() -> None:
    assert _cycles(GRAPH) == []


def test_a_cycle_would_be_found() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_core_never_imports_a_shell() -> None:
    edges = sorted((m, t) for m, targets in GRAPH.items() if not _is_shell(m)
                   for t in targets if _is_shell(t))
    assert edges == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_small(module: str) -> None:
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module} has {lines} lines (keep modules under {MAX_LINES})"
