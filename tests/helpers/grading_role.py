"""The grading role of ci/grading-role.yaml (what grade-class.yml assumes in a learner's account)
against the calls a recorded ``handson grade --record-calls`` run made in the learner's account;
and for ``--target existing --live``, the same reads with ci/live-permissions.json.

A learner's run may call two places: the learner's account (the account guard, the discovery,
the snapshots, the security lessons, the live checks) and its replay's own emulator, whose calls
are not the account's: those of the emulator the run bootstrapped."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from handson.iam_engine import NamedPolicy
from tests.helpers.sandbox_role import (
    ROOT,
    Check,
    check_calls,
    load_template,
    not_in_the_record,
    refusals,
    role_policies,
)

TEMPLATE = ROOT / "ci" / "grading-role.yaml"
ROLE = "GradingRole"
RECORDED = ROOT / "tests" / "corpus" / "grading_calls.jsonl"
LIVE = ROOT / "ci" / "live-permissions.json"
LIVE_RECORDED = ROOT / "tests" / "corpus" / "live_calls.jsonl"
# Reads only some accounts need, which the recorded class does not reach (the template says why).
WHEN_PRESENT = "ReadWhenTheAccountHasIt"


def in_the_account(calls: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The calls made in the learner's account, not in the replay's emulator."""
    calls = list(calls)
    replay = {c["endpoint"] for c in calls if c["principal"] == "bootstrap"}
    return [c for c in calls if c["endpoint"] not in replay]


def grading_policies() -> list[NamedPolicy]:
    return role_policies(load_template(TEMPLATE), ROLE)


def live_policies() -> list[NamedPolicy]:
    """What docs/grading.md tells a learner to hold for ``--live``: the grading role's reads
    and ci/live-permissions.json."""
    return [*grading_policies(), NamedPolicy(LIVE.stem, json.loads(LIVE.read_text("utf-8")))]


def assert_allowed(
    calls: Iterable[Mapping[str, Any]], policies: list[NamedPolicy], recorded: Path
) -> list[Check]:
    """Fails, naming each, on a call in the learner's account that the policies refuse, or
    whose action the committed record lacks."""
    mine = in_the_account(calls)
    checks = check_calls(mine, policies)
    assert checks, "no call in the learner's account was recorded"
    refused = refusals(checks)
    assert refused == [], f"{[p.name for p in policies]} refuse:\n" + "\n".join(refused)
    new = not_in_the_record(mine, recorded)
    assert new == [], f"add this run's calls of {new} to {recorded.relative_to(ROOT)}"
    return checks
