"""The load test's figures: read what the locust processes wrote, and print the table."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from names import FLOOR, ORDER


@dataclass(frozen=True)
class Row:
    name: str
    count: int
    per_second: float
    p50: float
    p95: float
    p99: float
    errors: int


@dataclass(frozen=True)
class Measured:
    rows: list[Row]
    seconds: float
    errors: int
    error_examples: dict[str, str]
    counters: Counter


def percentiles(times: list[float]) -> tuple[float, float, float]:
    if not times:
        return (float("nan"),) * 3
    if len(times) == 1:
        return (times[0],) * 3
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def measured(out_dir: Path) -> Measured:
    """Merge the samples of every locust process into one row per request type."""
    reports = [json.loads(path.read_text()) for path in sorted(out_dir.glob("samples-*.json"))]
    if not reports:
        raise RuntimeError(f"no samples-*.json in {out_dir}: locust measured nothing")
    seconds = max(r["stopped"] for r in reports) - min(r["started"] for r in reports)
    samples: dict[str, list[float]] = {}
    errors: Counter = Counter()
    counters: Counter = Counter()
    examples: dict[str, str] = {}
    for report in reports:
        for name, times in report["samples"].items():
            samples.setdefault(name, []).extend(times)
        errors.update(report["errors"])
        counters.update(report["counters"])
        examples.update(report["error_examples"])
    # Every request type gets its row: one that never ran shows as such.
    names = [*ORDER, *sorted(set(samples) - set(ORDER))]
    rows = [row(name, samples.get(name, []), errors[name], seconds) for name in names]
    everything = [time for times in samples.values() for time in times]
    rows.append(row("all requests", everything, sum(errors.values()), seconds))
    return Measured(rows, seconds, sum(errors.values()), examples, counters)


def row(name: str, times: list[float], errors: int, seconds: float) -> Row:
    p50, p95, p99 = percentiles(times)
    return Row(name, len(times), len(times) / seconds, p50, p95, p99, errors)


def table(result: Measured) -> str:
    floor = next((r for r in result.rows if r.name == FLOOR), None)
    header = (
        f"{'request':<32}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}{'p50/floor':>11}{'rps/floor':>11}"
    )
    lines = [header, "-" * len(header)]
    for r in result.rows:
        if not r.count:
            lines.append(f"{r.name:<32}{'not run in this window':>33}{r.errors:>8}")
            continue
        p50_ratio = f"{r.p50 / floor.p50:.1f}x" if floor and floor.p50 else "-"
        rps_ratio = f"{r.per_second / floor.per_second:.2f}x" if floor and floor.per_second else "-"
        lines.append(
            f"{r.name:<32}{r.per_second:>8.1f}{r.p50:>9.1f}{r.p95:>9.1f}{r.p99:>9.1f}"
            f"{r.errors:>8}{p50_ratio:>11}{rps_ratio:>11}"
        )
    return "\n".join(lines)


def recorded_ids(out_dir: Path, pattern: str) -> set[int]:
    """Ids the locust processes wrote, one per line; a line without its newline is unfinished."""
    ids = set()
    for path in out_dir.glob(pattern):
        *finished_lines, _unfinished = path.read_text().split("\n")
        ids.update(int(line) for line in finished_lines)
    return ids
