"""The source tree's shape: feature packages under roadmaps/ and no import cycles.

The import graph is read with ``ast`` (no module is executed), over every import
in a module, at module level or inside a function: a cycle hidden in a function
body still couples the two modules, and comes back as a real cycle the day
someone moves the import up.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "accounts", "roadmaps", "planner")
FEATURES = ("catalog", "plans", "calendar", "nudges", "milestones", "portfolio")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                modules[module_name(path)] = path
    return modules


def is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imported_modules(tree: ast.AST, this_module: str, is_package: bool, modules: dict[str, Path]) -> set[str]:
    """The project modules each import statement of ``tree`` loads."""
    found: set[str] = set()
    skipped = {id(n) for block in ast.walk(tree) if is_type_checking_block(block) for n in ast.walk(block)}
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(resolve(alias.name, modules) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = absolute_base(node, this_module, is_package)
            # "from a.b import c": the module a.b.c if there is one, else the names c of a.b.
            found.update(resolve(f"{base}.{alias.name}", modules) for alias in node.names)
    return found - {None, this_module}


def absolute_base(node: ast.ImportFrom, this_module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    anchor = this_module.split(".")
    anchor = anchor if is_package else anchor[:-1]
    anchor = anchor[: len(anchor) - (node.level - 1)]
    return ".".join([*anchor, node.module] if node.module else anchor)


def resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module an imported name lives in: the longest known prefix."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        graph[name] = imported_modules(tree, name, path.name == "__init__.py", modules)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_project_has_no_import_cycle():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_sees_a_cycle_through_a_function_level_import():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_function_level_imports_count_as_edges():
    tree = ast.parse("def send():\n    from roadmaps.nudges.tasks import send_nudges\n")
    found = imported_modules(tree, "roadmaps.nudges.dispatch", False, project_modules())
    assert found == {"roadmaps.nudges.tasks"}


def test_importing_a_submodule_from_a_package_is_an_edge_to_the_submodule_not_the_package():
    tree = ast.parse("from roadmaps.nudges import schedule\nfrom roadmaps import nudges\n")
    found = imported_modules(tree, "roadmaps.nudges.tasks", False, project_modules())
    assert found == {"roadmaps.nudges.schedule", "roadmaps.nudges"}


def test_roadmaps_has_one_package_per_feature():
    for feature in FEATURES:
        assert (ROOT / "roadmaps" / feature / "__init__.py").is_file(), feature


def test_no_module_in_roadmaps_is_named_with_a_feature_prefix():
    prefixed = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "roadmaps").rglob("*.py")
        if "migrations" not in path.parts and path.stem.startswith(tuple(f"{feature}_" for feature in FEATURES))
    ]
    assert prefixed == []


def test_task_modules_are_imported_by_no_service():
    graph = import_graph()
    task_modules = {name for name in graph if name.endswith(".tasks")}
    importers = {name for name, targets in graph.items() if targets & task_modules}
    assert all(not name.endswith((".services", ".selectors")) for name in importers), importers
