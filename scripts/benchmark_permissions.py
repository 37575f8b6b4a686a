#!/usr/bin/env python3
"""Measure what the least-privilege measure and the policy lint (issue 18, P1 and P2) add to a
run, on the seed's policies, on the measured case (handson/permissions/examples.py), and on a
user policy that allows everything (``"Action": "*"`` on ``*``, as AdministratorAccess does: the
measure then decides every action of every service, 22,139 of them):

- cold: a fresh Python process that imports the package and analyses once (the catalogue read
  from disk, as in a run), median of N processes; the import of the suite's own modules is
  timed apart;
- warm: the same analysis again in one process (the catalogue cached), median of N.

    python scripts/benchmark_permissions.py            # 5 runs each
    python scripts/benchmark_permissions.py --runs 9

The budget is 2 s per run; exit code 1 when a cold median is over it.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUDGET_S = 2.0
CASES = ("seed", "measured", "everything")

_ONE_RUN = """
import json, sys, time
started = time.perf_counter()
import handson.policies, handson.iam_engine  # what a run has imported already
imported = time.perf_counter()
from handson.permissions import analyse_documents
from scripts.benchmark_permissions import documents_of
documents = documents_of(sys.argv[1])
found = analyse_documents(documents, "bench-name")
done = time.perf_counter()
print(json.dumps({"suite_imports": imported - started, "analysis": done - imported,
                  "findings": len(found)}))
"""


def documents_of(case: str) -> dict[str, dict[str, Any]]:
    from handson.permissions.examples import measured_documents
    from handson.permissions.handson_world import seed_documents
    from handson.policies import USER_POLICY_FILE

    if case == "measured":
        return measured_documents()
    documents = copy.deepcopy(seed_documents())
    if case == "everything":
        everything = {"Effect": "Allow", "Action": "*", "Resource": "*"}
        documents[USER_POLICY_FILE] = {"Version": "2012-10-17", "Statement": [everything]}
    return documents


def cold(case: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _ONE_RUN, case], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout))


def warm(case: str, runs: int) -> tuple[float, int]:
    from handson.permissions import analyse_documents

    documents = documents_of(case)
    found = analyse_documents(documents, "bench-name")  # the catalogue read once
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        found = analyse_documents(documents, "bench-name")
        times.append(time.perf_counter() - started)
    return statistics.median(times), len(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    over = False
    for case in CASES:
        samples = [cold(case) for _ in range(options.runs)]
        analysis = statistics.median(s["analysis"] for s in samples)
        imports = statistics.median(s["suite_imports"] for s in samples)
        warm_median, count = warm(case, options.runs)
        over = over or analysis > BUDGET_S
        print(
            f"{case:10} findings {count:2}  cold {analysis:.3f} s (suite imports {imports:.3f} s "
            f"apart)  warm {warm_median:.3f} s  median of {options.runs}"
        )
    print(f"budget {BUDGET_S:.1f} s per run: {'over' if over else 'within'}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
