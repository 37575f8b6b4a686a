#!/usr/bin/env python3
"""Measure what grading a hand-built environment costs (issue 12), on emulators standing for the
learners' accounts, each holding the hands-on built as a person builds it in the console:

- one learner: the wall time of ``pytest features/ --target existing`` (discovery, snapshots and
  the replay) against ``pytest features/`` (the suite's own build), alternating, median of N;
- a class: ``python -m handson.grade`` over K learners with ``--parallel 1`` and ``--parallel P``.

    python scripts/benchmark_grading.py                 # 3 runs; a class of 3, parallel 1 and 2
    python scripts/benchmark_grading.py --runs 5 --class-size 4 --parallel 2

Exit code 1 when a run does not pass all 13 checkpoints (every environment is built correctly).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handson.run_folder import REPORTS_VARIABLE  # noqa: E402
from handson.targets.emulator_server import MotoEmulator  # noqa: E402
from scripts.benchmark import features_command  # noqa: E402
from scripts.hand_built import HandBuilt  # noqa: E402

ACCOUNT = "123456789012"


@contextmanager
def classroom(size: int) -> Iterator[list[MotoEmulator]]:
    started = [MotoEmulator.start("ap-northeast-1", f"bench-admin-{i}") for i in range(size)]
    built = [HandBuilt(e.admin) for e in started]
    try:
        for one in built:
            one.build()
        yield started
    finally:
        for one in built:
            one.remove()
        for emulator in started:
            emulator.close()


def learner_env(emulator: MotoEmulator, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HANDSON_", "AWS_"))}
    env.update(
        AWS_ACCESS_KEY_ID=emulator.admin.credentials.access_key_id,
        AWS_SECRET_ACCESS_KEY=emulator.admin.credentials.secret_access_key,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(home / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "none"),
        HANDSON_LANG="en",
    )
    env[REPORTS_VARIABLE] = str(home / "reports")  # never into the checkout's reports/
    return env


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    return time.perf_counter() - start, done.returncode, done.stdout + done.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--class-size", type=int, default=3)
    parser.add_argument("--parallel", type=int, default=2)
    args = parser.parse_args()
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as scratch, classroom(args.class_size) as accounts:
        home = Path(scratch)
        first = accounts[0]
        grade_one = [
            "--target=existing",
            f"--endpoint-url={first.endpoint_url}",
            f"--region={first.region}",
            f"--allowed-account={ACCOUNT}",
        ]
        own: list[float] = []
        existing: list[float] = []
        for n in range(args.runs):
            for label, options, into in (("own build", [], own), ("existing", grade_one, existing)):
                seconds, code, output = timed(
                    features_command(home / f"{label}-{n}", *options), learner_env(first, home)
                )
                into.append(seconds)
                print(f"{label:10} run {n + 1}: {seconds:6.2f} s (exit {code})", flush=True)
                if code != 0:
                    failures.append(f"{label} run {n + 1}: exit {code}\n{output[-1500:]}")
        roster = home / "class.csv"
        roster.write_text(
            "account,account_id,label,endpoint_url\n"
            + "".join(
                f"learner-{i},{ACCOUNT},learner{i},{e.endpoint_url}\n"
                for i, e in enumerate(accounts)
            )
        )
        (home / "credentials").write_text(
            "".join(
                f"[learner-{i}]\naws_access_key_id = {e.admin.credentials.access_key_id}\n"
                f"aws_secret_access_key = {e.admin.credentials.secret_access_key}\n"
                for i, e in enumerate(accounts)
            )
        )
        env = {**learner_env(first, home), "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials")}
        env.pop("AWS_ACCESS_KEY_ID")
        env.pop("AWS_SECRET_ACCESS_KEY")
        classes = {}
        for parallel in sorted({1, args.parallel}):
            command = [
                sys.executable,
                "-m",
                "handson.grade",
                f"--accounts={roster}",
                f"--out={home / f'class-{parallel}'}",
                f"--parallel={parallel}",
            ]
            seconds, code, output = timed(command, env)
            classes[parallel] = seconds
            print(
                f"class of {args.class_size}, parallel {parallel}: {seconds:6.2f} s (exit {code})"
            )
            if code != 0:
                failures.append(f"class, parallel {parallel}: exit {code}\n{output[-1500:]}")
    own_median, existing_median = statistics.median(own), statistics.median(existing)
    print(
        f"median: own build {own_median:.2f} s, existing {existing_median:.2f} s "
        f"(ratio {existing_median / own_median:.2f}); class of {args.class_size}: "
        + ", ".join(f"parallel {p} {s:.2f} s" for p, s in classes.items())
        + f"; {os.cpu_count()} cores"
    )
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
