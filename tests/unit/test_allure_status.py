"""An error of the test is broken in allure, never failed (verdict rule 7). allure-pytest-bdd
records any AssertionError as failed: a plain ``assert`` of a step that fails for want of what
the check needs (an instance without its profile, say) was ``error`` in checkpoints.json, exit
code 6, and failed in allure and in the merged HTML report. fixtures/allure_undecided.py's
CategoryMarker gives each result the status of the suite's own outcome before allure writes it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import cast

import pytest
from allure_commons import model2
from allure_commons.model2 import Status, StatusDetails
from allure_pytest_bdd.pytest_bdd_listener import PytestBDDListener

from fixtures.allure_undecided import CategoryMarker
from handson.findings import Finding
from handson.results import Category, Outcome, ScenarioResult
from tests.helpers.suite_runner import ROOT

NODEID = "features/role.feature::test_r1"


class _Plugins:
    def __init__(self, listener: PytestBDDListener) -> None:
        self.listener = listener

    def get_plugins(self) -> list[object]:
        return [object(), self.listener]


class _Config:
    def __init__(self, listener: PytestBDDListener) -> None:
        self.pluginmanager = _Plugins(listener)


def reported(outcome: Outcome, status: str, step_status: str | None = None) -> model2.TestResult:
    """The allure result of a scenario that allure-pytest-bdd gave ``status`` (and its last
    step ``step_status``), as the marker leaves it when the suite's outcome is ``outcome``."""
    listener = PytestBDDListener(lifecycle=None)
    details = StatusDetails(trace="trace")
    result = model2.TestResult(uuid="u-1", status=status, statusDetails=details)
    if step_status is not None:
        inner = model2.TestStepResult(name="helper", status=step_status)
        step = model2.TestStepResult(name="Given ...", status=step_status, steps=[inner])
        result.steps = [model2.TestStepResult(name="When ...", status=Status.PASSED), step]
    listener.nodeid_to_uuid[NODEID] = "u-1"
    category = Category.TEST_ERROR if outcome is Outcome.ERROR else Category.DENIED_BUT_ALLOWED
    scenario = ScenarioResult(
        NODEID, ("R1",), "R1", outcome=outcome, finding=Finding(category, "what was seen")
    )
    marker = CategoryMarker(cast(pytest.Config, _Config(listener)), lambda: {NODEID: scenario})
    marker.report_result(result)
    return result


def statuses(result: model2.TestResult) -> list[str]:
    """Every step's status, depth first."""

    def walk(steps: list[model2.TestStepResult]) -> list[str]:
        return [s for step in steps for s in [step.status, *walk(step.steps)]]

    return walk(result.steps)


def test_an_error_of_the_test_failed_by_an_assert_is_broken_steps_and_all() -> None:
    result = reported(Outcome.ERROR, Status.FAILED, Status.FAILED)
    assert result.status == Status.BROKEN
    assert statuses(result) == [Status.PASSED, Status.BROKEN, Status.BROKEN]
    assert "handson category: TEST_ERROR" in result.statusDetails.trace


@pytest.mark.parametrize("outcome", [Outcome.PRECONDITION_NOT_MET, Outcome.INTERRUPTED])
def test_no_outcome_but_a_checks_verdict_is_failed(outcome: Outcome) -> None:
    assert reported(outcome, Status.FAILED, Status.FAILED).status != Status.FAILED


def test_a_checks_failure_stays_failed_and_a_pass_passed() -> None:
    failed = reported(Outcome.FAILED, Status.FAILED, Status.FAILED)
    assert failed.status == Status.FAILED
    assert statuses(failed) == [Status.PASSED, Status.FAILED, Status.FAILED]
    assert reported(Outcome.PASSED, Status.PASSED).status == Status.PASSED
    assert reported(Outcome.ERROR, Status.BROKEN).status == Status.BROKEN


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_html_reports_checkpoint_of_an_error_is_broken_not_failed(tmp_path: Path) -> None:
    """scripts/report.mjs merges a checkpoint's rows into one result, the worst row's status:
    a checkpoint with a row in error and one passed is broken there, not failed."""
    error = reported(Outcome.ERROR, Status.FAILED, Status.FAILED)
    rows = [
        {"name": "R1", "status": error.status, "start": 1, "labels": [], "steps": []},
        {"name": "R1", "status": Status.PASSED, "start": 2, "labels": [], "steps": []},
    ]
    for row in rows:
        row["labels"] = [{"name": "checkpoint", "value": "R1"}]
    script = (
        f"import {{ merge }} from {json.dumps((ROOT / 'scripts' / 'report.mjs').as_uri())};\n"
        f"console.log(JSON.stringify(merge({json.dumps(rows)}).status));\n"
    )
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == "broken"
