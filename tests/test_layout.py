"""The layout of ``analysis/``: its import graph has no cycle, and the model never imports it.

The graph is built from the source with ``ast``, counting every import wherever it is written:
at module level, inside a function, or under ``if TYPE_CHECKING:``. An import deferred into a
function is still an edge, so a cycle cannot be hidden by moving an import down.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(package: str) -> dict[str, Path]:
    return {_module_name(p): p for p in sorted((ROOT / package).rglob("*.py"))}


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The modules of ``known`` that the file at ``path`` (module ``name``) imports, anywhere in it."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = name.split(".") if is_package else name.split(".")[:-1]
                anchor = here[: len(here) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from a.b import c`` imports a.b, and a.b.c too when c is a module
            targets = [base, *(f"{base}.{a.name}" for a in node.names)]
        else:
            continue
        for target in targets:
            if target in known:
                found.add(target)
    found.discard(name)
    return found


def import_graph(package: str = "analysis") -> dict[str, set[str]]:
    """Each module of ``package`` and the modules of it that it imports."""
    modules = _modules(package)
    return {name: _imports(path, name, set(modules)) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the graph as the list of its modules (first repeated last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_import_graph_of_analysis_has_no_cycle():
    graph = import_graph()
    assert len(graph) > 20 and "analysis.sweeps.sweep" in graph  # the graph is the real one
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function(tmp_path, monkeypatch):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.b import f\n")
    (pkg / "b.py").write_text("def f():\n    from pkg import a\n    return a\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert find_cycle(import_graph("pkg")) == ["pkg.a", "pkg.b", "pkg.a"]


def test_the_subpackages_import_nothing_in_their_init():
    for init in sorted((ROOT / "analysis").glob("*/__init__.py")):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))], init


def test_no_module_of_analysis_imports_the_package_itself():
    graph = import_graph()
    assert [name for name, targets in graph.items() if "analysis" in targets] == []


@pytest.mark.parametrize("path", sorted((ROOT / "sim").rglob("*.py")), ids=lambda p: p.name)
def test_the_model_never_imports_analysis(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        assert not [n for n in names if n == "analysis" or n.startswith("analysis.")], path


def test_analysis_never_builds_a_command_line():
    """run.py passes the command it parsed; analysis/ records it and writes no 'python run.py ...' of its own."""
    for path in sorted((ROOT / "analysis").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert "shlex" not in names, f"{path}: shlex is for building command lines"


def _analysis_imports(path: Path) -> list[tuple[str, list[str]]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] == "analysis":
            out.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names if a.name.split(".")[0] == "analysis"]
    return out


#: The code outside analysis/ that imports it.
USERS = sorted(
    [
        ROOT / "run.py",
        *(ROOT / "tests").rglob("*.py"),
        *(ROOT / "docs").glob("*.py"),
        *(ROOT / "benchmarks").glob("*.py"),
    ]
)


@pytest.mark.parametrize("path", USERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_import_of_analysis_names_a_module_of_this_checkout(path: Path):
    """An old path must fail here, not quietly load another checkout's module of that name."""
    for module, names in _analysis_imports(path):
        spec = importlib.util.find_spec(module)  # found, not imported: an optional extra may be missing
        assert spec is not None and spec.origin, (path, module)
        origin = Path(spec.origin).resolve()
        assert origin.is_relative_to(ROOT / "analysis"), (path, module, origin)
        defined = _top_level_names(origin)
        for name in names:
            sub = ROOT.joinpath(*module.split("."), name)
            assert sub.with_suffix(".py").is_file() or (sub / "__init__.py").is_file() or name in defined, (
                path,
                module,
                name,
            )


def _top_level_names(path: Path) -> set[str]:
    """The names a module defines or imports at its top level, read from its source."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names
