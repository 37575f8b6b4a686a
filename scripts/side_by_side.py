#!/usr/bin/env python3
"""How much would the user's checks and the role's checks save, run side by side? (issue 20,
part 2.) Measured, not built: this script builds the hands-on's environment on the emulator with
the run's own fixtures, establishes both principals' positive controls, and then times the
probes of U2-U5 (the user's) and of R2-R8 (the role's, on the instance), each with the verdict
its checkpoint expects:

- each lane alone, and the two one after another, as a run sends them;
- the two side by side: the user's lane in a second thread while the role's runs.

A probe whose verdict is not the expected one fails the measurement (exit code 1): only correct
lanes are timed. The figures are medians of interleaved rounds, after one round to warm up.

    python scripts/side_by_side.py             # 7 rounds
    python scripts/side_by_side.py --rounds 15
    python scripts/side_by_side.py --policies DIR    # any option of a run, passed on

What it leaves out, and why the figures are an upper bound of the gain: a run's checks also
read the watched targets before and after, attach their evidence and go through pytest's and
pytest-bdd's item protocol, all of which would stay one item at a time (pytest runs one item at a
time in a process: docs/architecture.md, "Checks one after another").
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from handson.aws import Principal
from handson.environment import HandsonEnvironment
from handson.instance import Instance
from handson.probes import Checker, Probe, ProbeResult, verify
from handson.role_actions import ObjectOperation, OtherResource, Place, RoleCommands
from handson.role_actions import location_key as key_in
from handson.user_actions import (
    BucketOwner,
    Ec2Operation,
    IamListing,
    ec2_operation,
    iam_listing,
    list_instances,
    s3_round_trip,
    start_instance,
)
from handson.verdict import Outcome

Lane = Callable[[], None]
ROOT = Path(__file__).resolve().parent.parent
ROUNDS_VARIABLE = "HANDSON_SIDE_BY_SIDE_ROUNDS"  # main's --rounds, to the test below


def check(checker: Checker, probe: Probe, expected: Outcome) -> ProbeResult:
    """The probe sent as its checkpoint's step sends it, and its verdict held to the expected."""
    result = checker.expect(probe, expected)
    verify(result)
    return result


def lanes(
    user: Principal,
    env: HandsonEnvironment,
    user_control: Checker,
    role_control: Checker,
    instance: Instance,
    owner: BucketOwner,
) -> tuple[Lane, Lane]:
    """The user's and the role's probes as two callables, with the checkpoints' verdicts."""
    allowed, denied = Outcome.ALLOWED, Outcome.DENIED
    commands = RoleCommands(instance)
    bucket1, bucket2 = env.names.bucket1, env.names.bucket2

    def user_lane() -> None:
        for probe, then in s3_round_trip(user, env.scratch_bucket, env.test_file, owner):  # U2
            result = check(user_control, probe, allowed)
            if then is not None:
                then(result)
        for probe in (list_instances(user, env), start_instance(user, env)):  # U3
            check(user_control, probe, allowed)
        for operation in Ec2Operation:  # U4
            check(user_control, ec2_operation(user, env, operation), denied)
        for listing in IamListing:  # U5
            check(user_control, iam_listing(user, listing), denied)

    def role_lane() -> None:
        for probe in commands.round_trip(bucket1, env.test_file, "side by side"):  # R2
            check(role_control, probe, allowed)
        check(role_control, commands.remove_bucket(bucket1), denied)  # R3
        for place in Place:  # R4, R5, R6
            key = key_in(place, env.sample_file)
            for operation in ObjectOperation:
                expected = (
                    allowed
                    if (place, operation) == (Place.OPEN, ObjectOperation.DOWNLOAD)
                    else denied
                )
                probe = commands.object_operation(operation, bucket2, key, "side by side")
                check(role_control, probe, expected)
        check(role_control, commands.remove_bucket(bucket2), denied)  # R7
        for resource in OtherResource:
            check(role_control, commands.other_resource(resource), denied)
        for place in Place:  # R8
            expected = allowed if place is Place.OPEN else denied
            check(role_control, commands.list_bucket(bucket2, place), expected)

    return user_lane, role_lane


def side_by_side(first: Callable[[], None], second: Callable[[], None]) -> None:
    """``first`` in a thread of its own while ``second`` runs; an error of either is raised."""
    errors: list[BaseException] = []

    def running() -> None:
        try:
            first()
        except BaseException as error:  # noqa: BLE001 - raised below, in the caller's thread
            errors.append(error)

    lane = threading.Thread(target=running)
    lane.start()
    try:
        second()
    finally:
        lane.join()
    if errors:
        raise errors[0]


def timed(run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def test_side_by_side(
    user: Principal,
    handson_env: HandsonEnvironment,
    user_control: Checker,
    role_control: Checker,
    instance: Instance,
    provisioner: BucketOwner,
) -> None:
    user_lane, role_lane = lanes(
        user, handson_env, user_control, role_control, instance, provisioner
    )
    user_lane(), role_lane()  # warm-up: the first of each kind of call
    rows: dict[str, list[float]] = {
        "the user's probes": [],
        "the role's probes": [],
        "one after another": [],
        "side by side": [],
    }
    for _ in range(int(os.environ.get(ROUNDS_VARIABLE, "7"))):
        alone_user, alone_role = timed(user_lane), timed(role_lane)
        rows["the user's probes"].append(alone_user)
        rows["the role's probes"].append(alone_role)
        rows["one after another"].append(alone_user + alone_role)
        rows["side by side"].append(timed(lambda: side_by_side(user_lane, role_lane)))
    medians = {name: statistics.median(seconds) for name, seconds in rows.items()}
    lines = [f"{name}: median {medians[name]:.3f} s over {len(rows[name])}" for name in rows]
    saved = medians["one after another"] - medians["side by side"]
    lines.append(f"saved by side by side: {saved:.3f} s (median)")
    print("\n" + "\n".join(lines))


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    options, rest = parser.parse_known_args(argv)  # the rest: the run's options (--policies)
    os.environ[ROUNDS_VARIABLE] = str(options.rounds)
    here = str(Path(__file__).resolve())
    arguments = [here, f"--rootdir={ROOT}", "-c", str(ROOT / "pytest.ini")]
    return int(pytest.main([*arguments, "-p", "no:cacheprovider", "-q", "-s", *rest]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
