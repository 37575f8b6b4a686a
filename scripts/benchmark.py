#!/usr/bin/env python3
"""Measure what a newcomer waits for: the wall time of ``pytest features/`` on the emulator,
emulator start and teardown included, and the peak memory of the largest process it ran; for
the hands-on's own policies (every checkpoint passes) and for a learner's policies with mistakes
(``ForS32OpenGet`` without ``/*``, and ``ec2:*`` for the user), which must answer as fast.

    python scripts/benchmark.py            # 3 runs of each, target 20 s, mistakes at most 1.2x
    python scripts/benchmark.py --runs 5 --target 20 --max-ratio 1.2
    git worktree add /tmp/before HEAD~3 && python scripts/benchmark.py --against /tmp/before

``--against DIR`` compares with another checkout instead (the same Python and packages): its
passing runs alternate with this checkout's, and the median of this one may be at most
``--max-slowdown`` times the other's (exit code 1 otherwise).

Exit code 1 when the passing median is over the target, the mistakes' median is over max-ratio
times the passing one, the passing run fails or the run with mistakes does not fail.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from handson.run_folder import REPORTS_VARIABLE

ROOT = Path(__file__).resolve().parent.parent


def with_mistakes(directory: Path) -> Path:
    """The seed's policies with two of a learner's mistakes."""
    directory.mkdir(parents=True, exist_ok=True)
    for source in (ROOT / "policies").glob("*.json"):
        document = json.loads(source.read_text("utf-8"))
        for statement in document["Statement"]:
            if statement.get("Sid") == "ForS32OpenGet":
                statement["Resource"] = [r.removesuffix("/*") for r in statement["Resource"]]
            if statement.get("Sid") == "ForEC2":
                statement["Action"] = ["ec2:*"]
        (directory / source.name).write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    return directory


def features_command(workdir: Path, *options: str) -> list[str]:
    """``pytest features/`` with its reports under ``workdir``."""
    return [
        sys.executable,
        "-m",
        "pytest",
        "features/",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--alluredir={workdir / 'allure-results'}",
        f"--checkpoints-json={workdir / 'checkpoints.json'}",
        *options,
    ]


def one_run(workdir: Path, *options: str, root: Path = ROOT) -> tuple[float, int, str]:
    command = features_command(workdir, *options)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDSON_")}
    env[REPORTS_VARIABLE] = str(workdir / "reports")  # never into the checkout's reports/
    start = time.perf_counter()
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    return elapsed, done.returncode, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--target", type=float, default=20.0, help="seconds (default 20)")
    parser.add_argument("--max-ratio", type=float, default=1.2, help="mistakes / passing median")
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    parser.add_argument("--max-slowdown", type=float, default=1.05, help="this / other median")
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
    )
    if args.against:
        return compare(args.against.resolve(), args.runs, args.max_slowdown)
    times: dict[str, list[float]] = {"passing": [], "mistakes": []}
    wrong = []
    for index in range(1, args.runs + 1):
        for kind in times:  # alternately, so that a busy moment weighs on both alike
            with tempfile.TemporaryDirectory(prefix="handson-bench-") as tmp:
                options = []
                if kind == "mistakes":
                    options = [f"--policies={with_mistakes(Path(tmp) / 'policies')}"]
                elapsed, code, summary = one_run(Path(tmp), *options)
            times[kind].append(elapsed)
            if code != (0 if kind == "passing" else 1):
                wrong.append(f"{kind} run {index} exited {code}")
            print(f"{kind} run {index}: {elapsed:6.2f} s  exit {code}  {summary}")
    # ru_maxrss of children: the largest single process among everything the runs started (KiB).
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    median = statistics.median(times["passing"])
    mistakes = statistics.median(times["mistakes"])
    ratio = mistakes / median
    verdict = (
        "FAILED: " + "; ".join(wrong)
        if wrong
        else "OK"
        if median <= args.target and ratio <= args.max_ratio
        else "OVER TARGET"
    )
    for kind, measured in times.items():
        print(
            f"pytest features/ ({kind}): median {statistics.median(measured):.2f} s, "
            f"min {min(measured):.2f} s, max {max(measured):.2f} s over {len(measured)} runs"
        )
    print(
        f"target {args.target:g} s for the passing median; mistakes/passing {ratio:.2f} "
        f"(at most {args.max_ratio:g}): {verdict}"
    )
    print(f"peak memory of the largest process: {peak_mib:.0f} MiB")
    return 0 if verdict == "OK" else 1


def compare(other: Path, runs: int, max_slowdown: float) -> int:
    """Passing runs of this checkout and of ``other``, alternately; this one's median may be at
    most ``max_slowdown`` times the other's."""
    roots = {"this": ROOT, "other": other}
    times: dict[str, list[float]] = {kind: [] for kind in roots}
    wrong = []
    for index in range(1, runs + 1):
        for kind, root in roots.items():
            with tempfile.TemporaryDirectory(prefix="handson-bench-") as tmp:
                elapsed, code, summary = one_run(Path(tmp), root=root)
            times[kind].append(elapsed)
            if code != 0:
                wrong.append(f"{kind} run {index} exited {code}")
            print(f"{kind} run {index}: {elapsed:6.2f} s  exit {code}  {summary}")
    medians = {kind: statistics.median(measured) for kind, measured in times.items()}
    for kind, measured in times.items():
        print(
            f"pytest features/ in {roots[kind]}: median {medians[kind]:.2f} s, "
            f"min {min(measured):.2f} s, max {max(measured):.2f} s over {len(measured)} runs"
        )
    ratio = medians["this"] / medians["other"]
    verdict = "OK" if ratio <= max_slowdown else "SLOWER"
    if wrong:
        verdict = "FAILED: " + "; ".join(wrong)
    print(f"this / other: {ratio:.3f} (at most {max_slowdown:g}): {verdict}")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
