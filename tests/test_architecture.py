"""The house rules, read from the code: no import circle, small modules, a short top level.

The import graph is built from every ``import`` statement of ``jurisdiction/`` (those inside
functions too; only imports under ``if TYPE_CHECKING:`` are left out, as they never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "jurisdiction"
#: Longest module, in lines.
MAX_LINES = 400
#: Most modules at the top level of the package (``__init__.py`` included).
MAX_TOP_LEVEL = 10


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Import statements outside ``if TYPE_CHECKING:`` blocks."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(inner) for stmt in node.body for inner in ast.walk(stmt)}
    return [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) and id(n) not in skipped]


def import_graph() -> nx.DiGraph:
    """Module -> module it imports, for every module of the package."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(files)
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + [base]).strip(".")
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base for alias in node.names]
            graph.add_edges_from((name, t) for t in targets if t in files and t != name)
    return graph


def test_the_import_graph_is_read():
    """The graph sees the imports it must (a check that could not fail would prove nothing)."""
    graph = import_graph()
    assert graph.has_edge("jurisdiction.optimise.engine", "jurisdiction.optimise.accounting")
    assert graph.number_of_edges() > 100


def test_no_import_circle():
    graph = import_graph()
    # Ancestors import a package's face, and a face imports its own modules: those edges are
    # not circles of the code, so they are left out (a module never imports its own package).
    for name in list(graph):
        for target in list(graph.successors(name)):
            if name.startswith(target + "."):
                graph.remove_edge(name, target)
    circles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert circles == []


def test_no_module_over_the_line_limit():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_a_short_top_level():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL, top


def test_no_module_named_after_the_function_it_holds():
    clashes = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        if path.stem in defined:
            clashes.append(str(path.relative_to(PACKAGE)))
    assert clashes == []
