"""Report data: labels, environment, categories and the terminal matrix."""

from __future__ import annotations

import json
import re
from pathlib import Path

from handson.report import (
    CATEGORIES,
    UNDECIDED_EXIT,
    Tally,
    environment,
    labels,
    mask_account,
    matrix,
    tally,
    write_report_files,
)


def test_labels_of_a_checkpoint() -> None:
    found = labels("U4", "新規作成・停止・終了ができない")
    assert found["severity"] == "critical" and found["checkpoint"] == "U4"
    assert str(found["story"]).startswith("U4: ")
    assert all(url.startswith("https://docs.aws.amazon.com/") for url, _ in found["links"])  # type: ignore[attr-defined]


def test_account_is_masked_to_its_last_four_digits() -> None:
    assert mask_account("111122223333") == "********3333"
    env = environment("aws", "ap-northeast-1", "20261129-abc123", "111122223333")
    assert env["account"] == "********3333" and "111122223333" not in json.dumps(env)
    assert {"target", "region", "run", "suite", "boto3", "moto", "awscli"} <= set(env)


def test_categories_sort_the_failures() -> None:
    def category(status: str, message: str) -> str:
        return next(
            c["name"]
            for c in CATEGORIES
            if status in c["matchedStatuses"]
            and re.fullmatch(str(c.get("messageRegex", "(?s).*")), message)
        )

    assert (
        category("failed", "ProbeFailed: allowed but should be denied: aws s3 rb")
        == "allowed but should be denied"
    )
    assert (
        category("failed", "denied but should be allowed: s3.put_object")
        == "denied but should be allowed"
    )
    assert (
        category("skipped", "emulator gap: the policy engine does not substitute policy variables")
        == "not decidable on the emulator"
    )
    assert (
        category("broken", "ProbeError: not a verdict (test error)")
        == "infrastructure or test error"
    )


def test_files_for_allure(tmp_path: Path) -> None:
    write_report_files(tmp_path, {"target": "emulator", "region": "ap-northeast-1"})
    assert (
        tmp_path / "environment.properties"
    ).read_text() == "target=emulator\nregion=ap-northeast-1\n"
    assert json.loads((tmp_path / "categories.json").read_text()) == CATEGORIES


def test_matrix_shows_expected_observed_and_where() -> None:
    results = [
        {"checkpoints": ["U4"], "outcome": "passed", "reason": ""},
        {
            "checkpoints": ["U4"],
            "outcome": "failed",
            "reason": "whatever the exception said: it is not read",
            "category": "allowed but should be denied",
            "headline": "allowed but should be denied",
        },
        {
            "checkpoints": ["R8"],
            "outcome": "skipped",
            "reason": "Skipped: not read either",
            "category": "not decidable on the emulator",
            "headline": "emulator gap: the policy engine does not substitute policy variables",
        },
        {"checkpoints": ["R2"], "outcome": "passed", "reason": ""},
    ]
    lines = matrix(results, "emulator")
    assert lines[0].split() == ["ID", "checks", "expected", "observed", "decided", "on"]
    rows = [line for line in lines[1:] if not line.startswith(" ")]
    by_id = {line.split()[0]: line for line in rows}
    assert set(by_id) == {"U4", "R2", "R8"}
    assert "FAILED: allowed but should be denied" in by_id["U4"]
    assert "as expected" in by_id["R2"] and by_id["R2"].endswith("emulator")
    assert "not decided" in by_id["R8"]
    # A reason goes whole, on its own lines under its row, wrapped at words: never cut.
    below_r8 = lines[lines.index(by_id["R8"]) + 1 :]
    reason = " ".join(line.strip() for line in below_r8 if line.startswith("    "))
    assert reason == (
        "1/1 skipped: emulator gap: the policy engine does not substitute policy variables"
    )


def test_tally_counts_each_checkpoint_once() -> None:
    results = [
        {"checkpoints": ["U4"], "outcome": "passed"},
        {"checkpoints": ["U4"], "outcome": "failed"},  # one failing row fails the checkpoint
        {"checkpoints": ["R8"], "outcome": "passed"},
        {"checkpoints": ["R8"], "outcome": "skipped"},  # partly decided is not decided
        {"checkpoints": ["R2"], "outcome": "passed"},
        {"checkpoints": ["R3"], "outcome": "not run"},
        {"checkpoints": ["R4"], "outcome": "error"},
        {"checkpoints": ["R5"], "outcome": "interrupted"},
    ]
    counted = tally(results)
    assert counted == Tally(("R2",), ("U4", "R4"), ("R3", "R5", "R8"))
    assert counted.line() == (
        "checkpoints: 1 passed, 2 failed, 3 not decided (failed: U4, R4) "
        "(not decided: R3, R5, R8; not a full pass)"
    )


def test_a_full_pass_says_so_plainly() -> None:
    counted = tally([{"checkpoints": ["U1"], "outcome": "passed"}])
    assert counted.line() == "checkpoints: 1 passed, 0 failed, 0 not decided"
    assert UNDECIDED_EXIT not in (0, 1, 2, 3, 4, 5)  # none of pytest's own exit codes
