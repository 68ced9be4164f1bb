"""The property tests' oracle borrows nothing from the planner but its public data types."""

import ast
from pathlib import Path

import planner

ORACLE = Path(__file__).with_name("invariants.py")
DATA_TYPES = {"MilestoneSpec", "PhaseSpec", "Plan", "PlanRequest", "TrackSpec"}


def planner_imports(path: Path) -> list[tuple[str, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "planner":
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names if alias.name.split(".")[0] == "planner"]
    return found


def test_the_oracle_imports_only_the_planner_s_public_data_types():
    imports = planner_imports(ORACLE)

    assert {module for module, _ in imports} == {"planner"}
    assert {name for _, name in imports} <= DATA_TYPES
    assert set(planner.__all__) >= DATA_TYPES
