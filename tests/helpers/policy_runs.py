"""Whole runs that several test files need, made once per test session and shared: the hands-on's
own policies (through a fault proxy that faults nothing, so that it is the fault test's 0 % run
too) and every broken policy set of tests/helpers/mutations.py (one of which the HTML report test
opens)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from handson.names import default_name
from handson.policies import SEED_DIR
from handson.targets.emulator_server import MotoEmulator
from tests.helpers.design_edits import Mutation
from tests.helpers.estate import left_behind
from tests.helpers.fault_proxy import FaultProxy
from tests.helpers.mutations import EQUIVALENTS, matrix
from tests.helpers.suite_runner import SuiteRun, run_suite
from tests.helpers.undecided_designs import UNDECIDED

SEED = "seed"


@dataclass
class PolicyRun:
    run: SuiteRun
    left: list[str]  # found by the test, after the run
    requests: int = 0  # through the proxy (the seed's run only)
    faults: int = 0
    summary: str = ""


def policy_run(emulator: MotoEmulator, base: Path, mutation: Mutation | None) -> PolicyRun:
    label = mutation.name if mutation else SEED
    workdir = base / label
    if mutation:
        policies = mutation.write(workdir / "policies")
    else:
        policies = Path(shutil.copytree(SEED_DIR, workdir / "policies"))
    name = default_name()
    with FaultProxy(emulator.endpoint_url, rate=0.0) as proxy:
        endpoint = proxy.endpoint_url if mutation is None else emulator.endpoint_url
        extra = ("-p", "tests.plugins.fail_injector") if mutation and mutation.env else ()
        run = run_suite(
            workdir,
            f"--policies={policies}",
            f"--name={name}",
            f"--endpoint-url={endpoint}",
            *extra,
            env=dict(mutation.env) if mutation else None,
        )
        requests, faults, summary = proxy.requests, proxy.faults.total(), proxy.summary()
    return PolicyRun(run, left_behind(emulator.admin, name), requests, faults, summary)


def every_policy_set() -> list[Mutation | None]:
    return [None, *matrix(), *EQUIVALENTS, *UNDECIDED]


def label(mutation: Mutation | None) -> str:
    return mutation.name if mutation else SEED
