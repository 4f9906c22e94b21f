"""The package import graph: no cycle between features, lower parts know no higher one."""

import ast
from pathlib import Path

import ambassador

PACKAGE = Path(ambassador.__file__).parent
# Parts that know no feature (DESIGN.md); everything may import them.
FOUNDATION = {"extensions", "utils", "urls", "constants", "slugs", "mail", "audit", "sanitize",
              "csvfile", "security", "templating", "jobs", "text", "i18n"}
# The app factory, the model registry and the demo know every feature.
EVERYTHING = {"__init__", "models", "demo", "demo_data"}


def _part(path: Path) -> str:
    relative = path.relative_to(PACKAGE).parts
    return relative[0].removesuffix(".py")


def import_graph() -> dict[str, set[str]]:
    """Map each top-level part of the package to the parts it imports."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        part = _part(path)
        edges = graph.setdefault(part, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                pieces = name.split(".")
                if pieces[0] == "ambassador" and len(pieces) > 1 and pieces[1] != part:
                    edges.add(pieces[1])
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(node, trail):
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return trail + [node, nxt]
            if nxt not in state and (found := visit(nxt, trail + [node])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [])):
            return found
    return None


def test_no_import_cycle_between_features():
    graph = {part: edges - EVERYTHING for part, edges in import_graph().items()
             if part not in EVERYTHING}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_foundation_knows_no_feature():
    graph = import_graph()
    for part in FOUNDATION & graph.keys():
        assert graph[part] <= FOUNDATION, f"{part} imports {graph[part] - FOUNDATION}"


def test_nps_knows_no_portal_feature():
    assert import_graph()["nps"] <= FOUNDATION | {"auth"}


def test_the_check_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) is not None
    assert _cycle({"a": {"b"}, "b": {"c"}}) is None
