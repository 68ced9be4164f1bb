"""Mutation testing: how many small bugs in the core modules the tests catch.

Runs mutmut (the ``mutation`` extra) over each target below in a scratch copy
of the project, so the working tree is never touched, and prints for each
target its score (killed / all mutants) and the mutants that survived, with
their diffs when ``--diffs`` is given.

    .venv/bin/pip install -e '.[test,mutation]'
    .venv/bin/python tools/mutation.py                 # every target
    .venv/bin/python tools/mutation.py planner --diffs  # one target, survivors' diffs
    .venv/bin/python tools/mutation.py planner --mutants 'planner.sessions.*'  # only these mutants

The nudge target needs PostgreSQL like the suite (``DATABASE_URL``); its tests
run one at a time (``--max-children 1``) because they share one test database.
Too slow for CI (minutes for the planner, most of an hour for the nudges): run
it before merging a change to these modules, and add a test for each survivor
that is not an equivalent mutant.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# locale/: the compiled French catalog, which the French mail and page tests read.
COPIED = ["accounts", "config", "fixtures", "locale", "planner", "roadmaps", "tests", "manage.py", "pyproject.toml"]


@dataclass(frozen=True)
class Target:
    name: str
    source_paths: tuple[str, ...]  # packages copied into mutmut's tree (mutated where only_mutate says)
    only_mutate: tuple[str, ...]
    tests: tuple[str, ...]
    pytest_args: tuple[str, ...] = ()
    max_children: int | None = None
    also_copy: tuple[str, ...] = field(default=("accounts", "config", "fixtures", "locale", "manage.py"))


TARGETS = {
    "planner": Target(
        name="planner",
        source_paths=("planner",),
        only_mutate=("planner/*.py",),
        tests=("tests/planner",),
        # test_purity parses the planner's imports, which mutmut's trampolines change.
        pytest_args=("--hypothesis-seed=0", "--ignore=tests/planner/test_purity.py"),
    ),
    "nudges": Target(
        name="nudges",
        source_paths=("roadmaps",),
        only_mutate=("roadmaps/nudges/dispatch.py", "roadmaps/nudges/delivery.py"),
        tests=("tests/roadmaps/nudges",),
        # The real-worker tests take minutes each and the simulated year minutes more under
        # mutmut's trampolines; the in-process tests cover the same code.
        pytest_args=(
            "-m",
            "not integration and not browser",
            "--reuse-db",
            "--deselect",
            "tests/roadmaps/nudges/test_schedule.py::test_a_simulated_year_sends_one_nudge_every_week_with_no_gap_or_double",
        ),
        max_children=1,
        also_copy=("accounts", "config", "fixtures", "locale", "planner", "manage.py"),
    ),
}


def toml_list(values) -> str:
    return "[" + ", ".join(f'"{value}"' for value in values) + "]"


def write_config(workdir: Path, target: Target) -> None:
    """The project's pyproject.toml with a [tool.mutmut] section for this target."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    pyproject = re.sub(r"\n\[tool\.mutmut\].*?(?=\n\[|\Z)", "", pyproject, flags=re.S)
    pyproject += (
        "\n[tool.mutmut]\n"
        f"source_paths = {toml_list(target.source_paths)}\n"
        f"only_mutate = {toml_list(target.only_mutate)}\n"
        f"also_copy = {toml_list(target.also_copy)}\n"
        f"pytest_add_cli_args = {toml_list(('-q', '-p', 'no:cacheprovider', *target.pytest_args))}\n"
        f"pytest_add_cli_args_test_selection = {toml_list(target.tests)}\n"
        "use_git_change_detection = false\n"
    )
    (workdir / "pyproject.toml").write_text(pyproject)


def scratch_copy(workdir: Path) -> None:
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, workdir / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, workdir / name)


def results(workdir: Path) -> dict[str, str]:
    """Every mutant's name and status, from ``mutmut results --all``."""
    output = run_mutmut(workdir, "results", "--all", "true", capture=True)
    found = {}
    for line in output.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name and status:
            found[name] = status
    return found


def run_mutmut(workdir: Path, *args: str, capture: bool = False) -> str:
    mutmut = Path(sys.executable).with_name("mutmut")
    completed = subprocess.run(
        [str(mutmut), *args], cwd=workdir, text=True, capture_output=capture, check=False, env=os.environ.copy()
    )
    return completed.stdout if capture else ""


def run_target(target: Target, *, show_diffs: bool, keep: bool, mutants: tuple[str, ...] = ()) -> tuple[int, int]:
    workdir = Path(tempfile.mkdtemp(prefix=f"mutation-{target.name}-"))
    try:
        scratch_copy(workdir)
        write_config(workdir, target)
        run_args = ["run"] + (["--max-children", str(target.max_children)] if target.max_children else [])
        run_mutmut(workdir, *run_args, *mutants)
        found = results(workdir)
        if mutants:
            found = {name: status for name, status in found.items() if any(fnmatch.fnmatch(name, m) for m in mutants)}
        killed = sum(1 for status in found.values() if status in ("killed", "timeout", "segfault"))
        survivors = sorted(name for name, status in found.items() if status in ("survived", "no tests"))
        print(f"\n== {target.name}: {killed}/{len(found)} mutants killed ({100 * killed / max(1, len(found)):.1f}%)")
        others = sorted(set(found.values()) - {"killed", "timeout", "segfault", "survived", "no tests"})
        for status in others:
            print(f"   {sum(1 for s in found.values() if s == status)} {status}")
        for name in survivors:
            print(f"   survived: {name} ({found[name]})")
            if show_diffs:
                print(run_mutmut(workdir, "show", name, capture=True))
        return killed, len(found)
    finally:
        if keep:
            print(f"   scratch copy kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", metavar="target", help=f"any of {', '.join(TARGETS)} (default: all)")
    parser.add_argument("--diffs", action="store_true", help="print each survivor's diff")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy (for `mutmut browse`)")
    parser.add_argument(
        "--mutants",
        nargs="+",
        default=(),
        metavar="GLOB",
        help="run and score only the mutants whose names match, e.g. 'planner.sessions.*'",
    )
    options = parser.parse_args()
    unknown = set(options.targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    for name in options.targets or list(TARGETS):
        run_target(TARGETS[name], show_diffs=options.diffs, keep=options.keep, mutants=tuple(options.mutants))
    return 0


if __name__ == "__main__":
    sys.exit(main())
