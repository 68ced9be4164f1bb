"""The planner stays pure: stdlib only, no Django, no I/O, no clock, small parts."""

import ast
import dataclasses
import sys
from pathlib import Path

import pytest

import planner

PLANNER_DIR = Path(__file__).resolve().parents[2] / "planner"
SOURCES = sorted(PLANNER_DIR.glob("*.py"))
# Standard-library modules that would let the planner touch the outside world.
IMPURE_MODULES = {"os", "io", "sys", "time", "random", "socket", "subprocess", "pathlib", "shutil"}
CLOCK_CALLS = {"today", "now", "utcnow", "time", "perf_counter", "monotonic"}


def tree_of(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported_modules(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_there_are_planner_sources_to_check():
    assert {path.name for path in SOURCES} >= {"__init__.py", "model.py", "scheduling.py"}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_the_planner_never_imports_django(path):
    django = [m for m in imported_modules(tree_of(path)) if m.split(".")[0] == "django"]
    assert django == [], f"{path.name} imports {django}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_the_planner_uses_only_pure_standard_library_modules(path):
    for module in imported_modules(tree_of(path)):
        top = module.split(".")[0]
        assert top == "planner" or top in sys.stdlib_module_names, f"{path.name}: {module}"
        assert top not in IMPURE_MODULES, f"{path.name}: {module}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_the_planner_never_reads_the_clock_or_does_io(path):
    for node in ast.walk(tree_of(path)):
        if isinstance(node, ast.Attribute):
            assert node.attr not in CLOCK_CALLS, f"{path.name}:{node.lineno} .{node.attr}"
        if isinstance(node, ast.Name):
            assert node.id not in {"open", "print", "input"}, f"{path.name}:{node.lineno}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_planner_modules_and_functions_stay_small(path):
    tree = tree_of(path)
    assert len(path.read_text(encoding="utf-8").splitlines()) < 400
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            assert length <= 40, f"{path.name}: {node.name} has {length} lines"


def test_the_public_api_is_exported_from_the_package():
    expected = {
        "MilestoneSpec",
        "PhaseSpec",
        "TrackSpec",
        "PlanRequest",
        "PlannedTask",
        "SkippedMilestone",
        "Plan",
        "PlanDoesNotFit",
        "build_plan",
        "ScheduledTask",
        "TaskMove",
        "Replan",
        "replan",
        "TaskState",
        "Progress",
        "compute_progress",
        "Buffer",
        "MAX_BUFFER_WEEKS",
        "Session",
        "SessionTask",
        "plan_sessions",
    }
    assert set(planner.__all__) == expected
    assert all(hasattr(planner, name) for name in expected)


def test_every_public_dataclass_is_frozen():
    classes = [getattr(planner, n) for n in planner.__all__ if dataclasses.is_dataclass(getattr(planner, n))]
    assert len(classes) == 15
    assert all(cls.__dataclass_params__.frozen for cls in classes)
