#!/usr/bin/env python3
"""Measure what a newcomer waits for: the wall time of ``pytest features/`` on the emulator,
emulator start and teardown included, and the peak memory of the largest process it ran.

    python scripts/benchmark.py            # 3 runs, target 20 s
    python scripts/benchmark.py --runs 5 --target 20

Exit code 1 when the median is over the target or a run fails.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_run(workdir: Path) -> tuple[float, int, str]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "features/",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--alluredir={workdir / 'allure-results'}",
        f"--checkpoints-json={workdir / 'checkpoints.json'}",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDSON_")}
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    return elapsed, done.returncode, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--target", type=float, default=20.0, help="seconds (default 20)")
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
    )
    times = []
    failed = False
    for index in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="handson-bench-") as tmp:
            elapsed, code, summary = one_run(Path(tmp))
        times.append(elapsed)
        failed |= code != 0
        print(f"run {index}: {elapsed:6.2f} s  exit {code}  {summary}")
    # ru_maxrss of children: the largest single process among everything the runs started (KiB).
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    median = statistics.median(times)
    verdict = "FAILED" if failed else "OK" if median <= args.target else "OVER TARGET"
    print(
        f"pytest features/: median {median:.2f} s, min {min(times):.2f} s, "
        f"max {max(times):.2f} s over {len(times)} runs; target {args.target:g} s: {verdict}"
    )
    print(f"peak memory of the largest process: {peak_mib:.0f} MiB")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
