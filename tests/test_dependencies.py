"""Dependencies are bounded and locked, and the Python versions the project claims are the ones CI runs.

- Every dependency (runtime, test, bench) has an upper bound below the next major
  release of the version the lock pins (for a 0.x project, below its next minor).
- requirements/constraints.txt pins every dependency pyproject.toml names, within
  its bounds: after adding one, `scripts/lock` must be run.
- The README's install commands and CI install from the constraints file.
- requires-python, the classifiers and CI's interpreters name the same versions.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
SUPPORTED_PYTHONS = {"3.11", "3.12", "3.13"}


def declared() -> list[Requirement]:
    extras = PYPROJECT["optional-dependencies"]
    return [Requirement(line) for line in [*PYPROJECT["dependencies"], *extras["test"], *extras["bench"]]]


def pins() -> dict[str, Version]:
    pinned = {}
    for line in CONSTRAINTS.read_text().splitlines():
        if match := re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", line.strip()):
            pinned[canonicalize_name(match[1])] = Version(match[2])
    return pinned


def next_breaking(version: Version) -> Version:
    return Version(f"{version.major + 1}") if version.major > 0 else Version(f"0.{version.minor + 1}")


def upper_bound(requirement: Requirement) -> Version | None:
    bounds = [Version(spec.version) for spec in requirement.specifier if spec.operator == "<"]
    return min(bounds, default=None)


@pytest.mark.parametrize("requirement", declared(), ids=str)
def test_every_dependency_is_pinned_within_its_bounds_and_capped_below_the_next_major(requirement):
    pinned = pins().get(canonicalize_name(requirement.name))
    assert pinned is not None, f"{requirement.name} is not in {CONSTRAINTS.name}: run scripts/lock"
    assert requirement.specifier.contains(pinned), f"{requirement.name}=={pinned} is outside {requirement.specifier}"
    bound = upper_bound(requirement)
    assert bound is not None, f"{requirement.name} has no upper bound"
    assert bound <= next_breaking(pinned), f"{requirement.name}: <{bound} lets in the release after {pinned}"


def test_the_constraints_file_pins_exact_versions_only():
    lines = [line.strip() for line in CONSTRAINTS.read_text().splitlines()]
    entries = [line for line in lines if line and not line.startswith("#")]

    assert entries
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==\S+", line) for line in entries), entries
    assert "scripts/lock" in CONSTRAINTS.read_text()  # the header says how it was made


def test_the_readme_and_ci_install_from_the_constraints_file():
    readme_installs = re.findall(r"pip install[^\n&`]*", (ROOT / "README.md").read_text())
    ci_installs = re.findall(r"pip\"? install[^\n&]*", (ROOT / ".ci" / "run").read_text())

    assert readme_installs and ci_installs
    for command in [*readme_installs, *ci_installs]:
        assert "-c requirements/constraints.txt" in command, command


def test_requires_python_and_the_classifiers_name_the_versions_ci_runs():
    requires = SpecifierSet(PYPROJECT["requires-python"])
    classified = {
        classifier.rsplit(" :: ", 1)[1]
        for classifier in PYPROJECT["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", classifier)
    }
    ci = (ROOT / ".ci" / "run").read_text()

    assert classified == SUPPORTED_PYTHONS
    assert all(requires.contains(f"{version}.0") for version in SUPPORTED_PYTHONS)
    assert not requires.contains("3.10.0") and not requires.contains("3.14.0")
    assert re.search(r"for version in 3\.12 3\.13\b", ci)
