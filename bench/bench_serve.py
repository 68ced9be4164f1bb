"""Benchmark: how long ``manage.py serve`` takes to answer, and what an idle worker holds.

    .venv/bin/python bench/bench_serve.py [--workers 2] [--warm-starts 2]

Runs in a scratch directory of its own, in embedded mode (SQLite, nothing from the
shell's DATABASE_URL/REDIS_URL), with an empty static root:

- a cold start: the static files have never been collected, so ``serve`` runs
  ``collectstatic`` (and compresses) first;
- warm starts: nothing changed, so ``serve`` skips it (see the command's docstring);
- floor: a Python process that only imports and sets up Django (``django.setup()``),
  measured in the same run: what any start of this project must pay at least.

Each start is timed from launching the command to the first ``200`` from
``/health/``. After the last warm start, with the server idle for a few seconds,
it reads each process's memory from ``/proc/PID/smaps_rollup``: RSS (what ``ps``
shows; pages shared with the master after the fork count in every process) and
USS (the private pages: what one more worker costs).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(BASE_DIR / "manage.py")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def scratch_env(root: Path) -> dict[str, str]:
    (root / "home").mkdir(exist_ok=True)
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(root / "home"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATA_DIR": str(root / "var"),
        "STATIC_ROOT": str(root / "static"),
        "PYTHONUNBUFFERED": "1",
    }


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (its exited children not included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, USS) in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value)
    return fields["Rss"], fields["Private_Clean"] + fields["Private_Dirty"]


def start(env: dict[str, str], log: Path, workers: int, *, idle_seconds: float = 0) -> tuple[float, float, str, list]:
    """Seconds to the first 200 from /health/, CPU seconds the server's processes used by
    then, the log, and [(role, pid, rss, uss)] if asked to wait idle."""
    port = free_port()
    began = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(
            [*MANAGE, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
            env=env,
            cwd=BASE_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        while not healthy(f"http://127.0.0.1:{port}/health/"):
            if process.poll() is not None:
                raise SystemExit(f"serve exited: see {log}")
            time.sleep(0.02)
        elapsed = time.perf_counter() - began
        cpu = cpu_seconds(process.pid) + sum(cpu_seconds(pid) for pid in children(process.pid))
        memory = []
        if idle_seconds:
            deadline = time.monotonic() + 60
            while len(children(process.pid)) < workers and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(idle_seconds)
            memory.append(("master", process.pid, *memory_kib(process.pid)))
            memory.extend(("worker", pid, *memory_kib(pid)) for pid in children(process.pid))
        return elapsed, cpu, log.read_text(), memory
    finally:
        process.terminate()
        process.wait(timeout=30)


def django_setup_floor(env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of a process that only sets Django up."""
    began, cpu_before = time.perf_counter(), os.times()
    subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=BASE_DIR,
        check=True,
        capture_output=True,
    )
    cpu_after = os.times()
    cpu = (cpu_after.children_user - cpu_before.children_user) + (
        cpu_after.children_system - cpu_before.children_system
    )
    return time.perf_counter() - began, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warm-starts", type=int, default=2)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as scratch:
        root = Path(scratch)
        env = scratch_env(root)
        subprocess.run([*MANAGE, "migrate", "--noinput", "-v0"], env=env, cwd=BASE_DIR, check=True)
        cold, _, log, _ = start(env, root / "cold.log", options.workers)
        assert "running collectstatic" in log, log
        print(f"serve, {options.workers} workers, embedded mode (SQLite); load average {os.getloadavg()[0]:.1f}")
        print("  seconds from launch to the first 200 from /health/ (wall; CPU of the server's processes)")
        print(f"  cold start (collectstatic runs)   {cold:6.2f} s wall  (collect in a child: its CPU not counted)")
        memory = []
        for number in range(1, options.warm_starts + 1):
            floor, floor_cpu = django_setup_floor(env)
            last = number == options.warm_starts
            warm, cpu, log, memory = start(
                env, root / f"warm{number}.log", options.workers, idle_seconds=3 if last else 0
            )
            assert "collectstatic skipped" in log, log
            print(
                f"  warm start {number} (collect skipped)    {warm:6.2f} s wall, {cpu:5.2f} s CPU  "
                f"(floor, django.setup() alone: {floor:.2f} s wall, {floor_cpu:.2f} s CPU; "
                f"wall ratio {warm / floor:.1f}; target <= 2 s)"
            )
        print("  memory after 3 s idle (from /proc/PID/smaps_rollup):")
        for role, pid, rss, uss in memory:
            print(f"    {role:6} pid {pid:>7}: RSS {rss / 1024:6.1f} MiB, USS {uss / 1024:6.1f} MiB")


if __name__ == "__main__":
    main()
