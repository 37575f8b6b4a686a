#!/usr/bin/env python3
"""Measure how long the look for the hands-on's instance in the account's other regions takes
(handson.discovery_near.in_other_regions: ``handson cleanup`` before and after it deletes, C1,
and ``--target existing`` or ``handson discover`` without an instance in the run's region), one
region after another against up to eight at once, alternating, median of N:

    python scripts/benchmark_regions.py                      # 5 runs, 0.3 s a region
    python scripts/benchmark_regions.py --runs 9 --latency 0.15

The regions are the seventeen that AWS enables in a new account; each is read on the emulator
with the suite's own clients, and ``--latency`` seconds are added to each region's read. That is
a model of a far region's answer (a new connection and a request), not a measurement of AWS:
no AWS account is reachable here.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handson.cleanup_plan import hands_on_instances  # noqa: E402
from handson.discovery_near import REGION_READERS, Instances, in_other_regions  # noqa: E402
from handson.targets.emulator_server import MotoEmulator  # noqa: E402

# The regions a new AWS account has enabled (the others are opt-in), the run's own among them.
DEFAULT_REGIONS = (
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1",
    "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2",
    "eu-west-3", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
)  # fmt: skip


class AccountRegions:
    """The run's EC2 client, listing the regions of a new account instead of moto's every one."""

    def __init__(self, ec2: Any) -> None:
        self.meta = ec2.meta

    def describe_regions(self) -> dict[str, Any]:
        return {"Regions": [{"RegionName": region} for region in DEFAULT_REGIONS]}


def one_look(emulator: MotoEmulator, readers: int, latency: float) -> float:
    def far(ec2: Any) -> Instances:
        time.sleep(latency)
        return hands_on_instances(ec2)

    ec2 = AccountRegions(emulator.admin.client("ec2"))
    start = time.perf_counter()
    found = in_other_regions(ec2, emulator.admin.ec2_in, far, readers=readers)
    took = time.perf_counter() - start
    assert found == {}, found  # nothing of the hands-on was built: every region was read
    return took


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.3, help="seconds a region's read adds")
    args = parser.parse_args(argv)
    emulator = MotoEmulator.start("ap-northeast-1", "benchmark-regions")
    try:
        one_look(emulator, REGION_READERS, 0)  # each region's backend made once, before timing
        times: dict[int, list[float]] = {1: [], REGION_READERS: []}
        for _ in range(args.runs):
            for readers in times:
                times[readers].append(one_look(emulator, readers, args.latency))
    finally:
        emulator.close()
    others = len(DEFAULT_REGIONS) - 1
    print(f"{others} other regions, {args.latency:g} s added to each read, {args.runs} runs each")
    for readers, seconds in times.items():
        median = statistics.median(seconds)
        print(f"  {readers} at once: median {median:.2f} s (min {min(seconds):.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
