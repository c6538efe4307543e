"""Running one step of the benchmark and measuring it: its wall clock, its CPU time (user +
system of its processes) and its peak memory (the largest resident set of its processes)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

REPO_ROOT = Path(__file__).resolve().parents[3]
# Runs a command and prints, last, the CPU seconds (user + system) of its process tree and
# the peak resident set of its largest process (KiB).
USAGE_WRAPPER = (
    "import resource, subprocess, sys; "
    "code = subprocess.run(sys.argv[1:]).returncode; "
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(usage.ru_utime + usage.ru_stime, usage.ru_maxrss, file=sys.stderr); "
    "sys.exit(code)"
)


class Measured(NamedTuple):
    """One step: wall-clock seconds, CPU seconds (what the step needs whatever else runs on
    the machine) and peak resident memory in GiB."""

    seconds: float
    cpu_seconds: float
    peak_gib: float


def record(report: dict[str, Any], step: str, measured: Measured) -> None:
    report[f"{step}_seconds"] = measured.seconds
    report[f"{step}_cpu_seconds"] = measured.cpu_seconds
    report[f"{step}_peak_gib"] = measured.peak_gib


def timed(command: list[str], env: dict[str, str]) -> Measured:
    """Run a command to completion and measure it; raises on failure."""
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", USAGE_WRAPPER, *command],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-2000:]}"
        )
    cpu_seconds, peak_kib = completed.stderr.strip().splitlines()[-1].split()
    return Measured(elapsed, float(cpu_seconds), int(peak_kib) / 2**20)
