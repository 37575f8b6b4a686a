"""Grading with ``--target existing`` in the tests: the learner's options and environment, and what
a grading run decided."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from handson.targets.emulator_server import MotoEmulator
from tests.helpers.suite_runner import SuiteRun, admin_cli_env, run_suite

ACCOUNT = "123456789012"
CHECKPOINTS = {"U1", "U2", "U3", "U4", "U5", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"}


def learner(emulator: MotoEmulator, allowed: str = ACCOUNT) -> tuple[list[str], dict[str, Any]]:
    """The options and environment of ``--target existing`` on the learner's account (the test's
    emulator), with the learner's own credentials in the environment, as a person would run it."""
    credentials = emulator.admin.credentials
    args = [
        "--target=existing",
        f"--endpoint-url={emulator.endpoint_url}",
        f"--region={emulator.region}",
        f"--allowed-account={allowed}",
    ]
    return args, dict(admin_cli_env(credentials.access_key_id, credentials.secret_access_key))


def grade(emulator: MotoEmulator, workdir: Path, *args: str, allowed: str = ACCOUNT) -> SuiteRun:
    options, env = learner(emulator, allowed)
    return run_suite(workdir, *options, *args, env=env)


def decided(run: SuiteRun) -> dict[str, set[str]]:
    outcomes: dict[str, set[str]] = {}
    for entry in run.checkpoints:
        for checkpoint in entry["checkpoints"]:
            outcomes.setdefault(checkpoint, set()).add(entry["outcome"])
    return outcomes


def role_not_graded(run: SuiteRun, folder: Path, expected: str) -> None:
    """No role to grade (no instance, or none on it): the user's checks are still graded; the
    role's cannot be, and say why."""
    assert run.exit_code == 6, run.describe()
    assert run.outcomes("passed") == {"U1", "U2", "U3", "U4", "U5"}
    role = [e for e in run.checkpoints if e["checkpoints"][0].startswith("R")]
    assert role and all(e["outcome"] == "skipped" for e in role)
    assert all(expected in e["reason"] for e in role)
    # P2 has no role to measure: not checked, with why; never every permission "lost".
    document = json.loads((folder / "checkpoints.json").read_text("utf-8"))
    (p2,) = [r for r in document["practice_outcomes"] if r["id"] == "P2"]
    assert p2["outcome"] == "not checked" and expected in p2["reason"], p2
    assert not [f for f in document["practices"] if f["id"] == "P2"]
