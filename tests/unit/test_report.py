"""Report data: labels, environment, categories and the terminal matrix."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from fixtures.checkpoints import interruption
from handson.findings import CheckError, CheckFailed, Finding
from handson.report import (
    UNDECIDED_EXIT,
    Tally,
    failure_block,
    labels,
    matrix,
    tally,
)
from handson.report_files import environment, mask_account, write_report_files
from handson.results import CATEGORIES, Category, ScenarioResult, marked
from handson.run_outcomes import exit_status, outcome_of, settle
from tests.helpers.english_words import english_words


def as_results(*entries: dict[str, Any]) -> list[ScenarioResult]:
    """checkpoints.json's rows, as the values the report is computed from."""
    return [ScenarioResult.from_dict({"nodeid": f"n{i}", **e}) for i, e in enumerate(entries)]


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
    assert environment("aws", "ap-northeast-1", "r", None)["account"] == "aws (account not read)"


def test_a_run_with_a_permissions_boundary_says_so_in_the_panel_its_account_masked() -> None:
    """A run decided with a boundary is not the hands-on's: instructors see it in the panel."""
    assert "permissions boundary" not in environment("aws", "ap-northeast-1", "r", None)
    arn = "arn:aws:iam::111122223333:policy/sandbox-boundary"
    env = environment("aws", "ap-northeast-1", "r", "111122223333", boundary=f"user: {arn}")
    said = env["permissions boundary"]
    assert said == "user: arn:aws:iam::********3333:policy/sandbox-boundary"
    assert "111122223333" not in json.dumps(env)


@pytest.mark.usefixtures("japanese")
def test_the_environment_panel_is_in_the_run_language() -> None:
    """Instructors read the HTML report's environment panel: named in the run's language, the
    emulator's account said to be the emulator's, the package names as they are."""
    env = environment("emulator", "ap-northeast-1", "20261205-abc123", None)
    assert env["対象"] == "エミュレータ" and env["アカウント"] == "エミュレータ（123456789012）"
    assert env["実行"] == "20261205-abc123" and env["リージョン"] == "ap-northeast-1"
    assert env["テスト"] == "handson-iam-acceptance 0.1.0"
    assert {"boto3", "moto", "awscli"} <= set(env)
    assert (
        english_words(
            " ".join(f"{k} {v}" for k, v in env.items() if k not in {"boto3", "moto", "awscli"})
        )
        == []
    )
    unread = environment("aws", "ap-northeast-1", "20261205-abc123", None)
    assert unread["アカウント"] == "AWS（アカウントはまだ読んでいません）"


def test_categories_sort_the_failures_by_the_marker_on_their_trace() -> None:
    def category(status: str, message: str, found: Category | None) -> str:
        trace = marked("Traceback ...", found) or ""
        return next(
            c["name"]
            for c in CATEGORIES
            if status in c["matchedStatuses"]
            and re.fullmatch(str(c.get("traceRegex", "(?s).*")), trace)
        )

    # The message is for people: its words never sort a result.
    wrong_allow = "ProbeFailed: denied but should be allowed: aws s3 rb"
    assert category("failed", wrong_allow, Category.ALLOWED_BUT_DENIED) == (
        "allowed but should be denied"
    )
    assert category("failed", "s3.put_object", Category.DENIED_BUT_ALLOWED) == (
        "denied but should be allowed"
    )
    assert category("skipped", "policy variables", Category.UNDECIDABLE) == (
        "not decidable on the emulator"
    )
    assert category("broken", "ProbeError: no verdict", Category.TEST_ERROR) == (
        "infrastructure or test error"
    )
    assert category("broken", "KeyError: 'x'", None) == "infrastructure or test error"


def test_the_marker_goes_on_the_last_line_once() -> None:
    once = marked("a\nb", Category.PRECONDITION)
    assert once == "a\nb\nhandson category: PRECONDITION"
    assert marked(once, Category.PRECONDITION) == once
    assert marked(None, None) is None


def test_files_for_allure(tmp_path: Path) -> None:
    write_report_files(tmp_path, {"target": "emulator", "region": "ap-northeast-1"})
    assert (
        tmp_path / "environment.properties"
    ).read_text() == "target=emulator\nregion=ap-northeast-1\n"
    assert json.loads((tmp_path / "categories.json").read_text()) == CATEGORIES


def test_matrix_shows_expected_observed_and_where() -> None:
    results = as_results(
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
    )
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
    results = as_results(
        {"checkpoints": ["U4"], "outcome": "passed"},
        {"checkpoints": ["U4"], "outcome": "failed"},  # one failing row fails the checkpoint
        {"checkpoints": ["R8"], "outcome": "passed"},
        {"checkpoints": ["R8"], "outcome": "skipped"},  # partly decided is not decided
        {"checkpoints": ["R2"], "outcome": "passed"},
        {"checkpoints": ["R3"], "outcome": "not run"},
        {"checkpoints": ["R4"], "outcome": "error"},
        {"checkpoints": ["R5"], "outcome": "interrupted"},
    )
    counted = tally(results)
    # An error of the test is never a failure: R4 is not decided (verdict rule 7).
    assert counted == Tally(("R2",), ("U4",), ("R3", "R4", "R5", "R8"), ("R4",))
    assert counted.line() == (
        "checkpoints: 1 passed, 1 failed, 4 not decided (failed: U4) "
        "(not decided: R3, R4, R5, R8; not a full pass)"
    )


def test_a_checkpoint_run_in_part_is_not_decided_and_one_left_out_is_named_apart() -> None:
    results = as_results(
        {"checkpoints": ["U4"], "outcome": "passed"},  # one of its three selected
        {"checkpoints": ["U4"], "outcome": "not selected"},
        {"checkpoints": ["U4"], "outcome": "not selected"},
        {"checkpoints": ["U5"], "outcome": "failed"},  # what ran failed: failed all the same
        {"checkpoints": ["U5"], "outcome": "not selected"},
        {"checkpoints": ["R1"], "outcome": "passed"},
        *({"checkpoints": [c], "outcome": "not selected"} for c in ("R2", "R3", "R4", "R8")),
    )
    counted = tally(results)
    # Never passed on a part of its scenarios (a check that did not run is not recorded as passed).
    assert counted == Tally(("R1",), ("U5",), ("U4",), (), ("R2", "R3", "R4", "R8"))
    assert counted.not_selected_line() == (
        "checkpoints not run: R2-R4 R8 (only what was chosen ran; run without -k, -m, --lf and "
        "the like to check them all)"
    )
    assert tally(as_results({"checkpoints": ["R1"], "outcome": "passed"})).not_selected_line() == ""
    lines = matrix(results, "emulator")
    rows = {line.split()[0]: line for line in lines[1:] if not line.startswith(" ")}
    assert set(rows) == {"U4", "U5", "R1"}  # none of R2-R4 and R8 ran: no row, no verdict
    assert "partly decided" in rows["U4"] and "FAILED" in rows["U5"]
    below_u4 = lines[lines.index(rows["U4"]) + 1].strip()
    assert below_u4 == (
        "2 of its 3 scenarios were not selected, so it is not decided "
        "(a run of them all decides it)"
    )
    # Exit 6 for the part (unless --allow-undecided), as for anything not decided.
    partly = tally(results[:3])
    assert exit_status(partly, pytest.ExitCode.OK, allow_undecided=False) == UNDECIDED_EXIT
    assert exit_status(partly, pytest.ExitCode.OK, allow_undecided=True) == pytest.ExitCode.OK
    left_out = tally(results[5:])  # R1 ran whole; the rest not at all: a pass of what ran
    assert exit_status(left_out, pytest.ExitCode.OK, allow_undecided=False) == pytest.ExitCode.OK


def test_only_a_checks_own_verdict_fails_a_checkpoint() -> None:
    results = as_results(
        {"checkpoints": ["U2"], "outcome": "error"},  # a crash of the suite's own code
        {"checkpoints": ["U2"], "outcome": "passed"},
        {"checkpoints": ["U3"], "outcome": "error"},
        {"checkpoints": ["U3"], "outcome": "failed"},  # a wrong verdict beside an error: failed
        {"checkpoints": ["U4"], "outcome": "precondition not met"},
        {"checkpoints": ["U5"], "outcome": "something new"},  # never passed under any name
        {"checkpoints": ["R1"], "outcome": "passed"},
    )
    counted = tally(results)
    assert counted.failed == ("U3",)
    assert counted.undecided == ("U2", "U4", "U5")
    assert counted.errors == ("U2",)
    assert counted.passed == ("R1",)


def test_an_error_is_shown_as_not_decided_with_its_cause() -> None:
    headline = "the hands-on environment could not be built: InjectedFailure: boom"
    error = {
        "outcome": "error",
        "category": "infrastructure or test error",
        "headline": headline,
        "hint": "a hint never shown for an error",
    }
    results = as_results(
        {"checkpoints": ["U2"], **error},
        {"checkpoints": ["R4"], **error},
        {"checkpoints": ["R4"], "outcome": "passed"},
        {"checkpoints": ["R5"], "outcome": "failed", "category": "allowed but should be denied"},
        {"checkpoints": ["R5"], **error},
    )
    lines = matrix(results, "emulator", width=200)
    rows = {line.split()[0]: line for line in lines[1:] if not line.startswith(" ")}
    assert "not decided: infrastructure or test error" in rows["U2"]
    assert "not decided: infrastructure or test error" in rows["R4"]
    assert "FAILED" not in rows["U2"] + rows["R4"]
    assert "FAILED: allowed but should be denied" in rows["R5"]  # its own verdict still fails
    below = [line.strip() for line in lines if line.startswith("    ")]
    assert below[0] == f"1/1 {headline}" and below[1] == f"1/2 {headline}"
    assert not any("hint" in line for line in lines)


def test_a_failure_block_of_an_error_says_not_decided_cause_first_then_what_followed() -> None:
    finding = Finding(
        Category.TEST_ERROR,
        "the hands-on environment could not be built: Collision: taken",
        hint="change the policy",
        more=("teardown left resources behind:", "  still exists after teardown: S3 bucket b"),
    )
    lines = failure_block(["U1"], "title", finding).splitlines()
    assert lines == [
        "U1 title",
        "  not decided (infrastructure or test error): this says nothing about your policies",
        "  the hands-on environment could not be built: Collision: taken",
        "  teardown left resources behind:",
        "    still exists after teardown: S3 bucket b",
    ]
    assert finding.as_dict()["more"] == list(finding.more)


def test_a_full_pass_says_so_plainly() -> None:
    counted = tally(as_results({"checkpoints": ["U1"], "outcome": "passed"}))
    assert counted.line() == "checkpoints: 1 passed, 0 failed, 0 not decided"
    assert UNDECIDED_EXIT not in (0, 1, 2, 3, 4, 5)  # none of pytest's own exit codes


@pytest.mark.parametrize(
    ("outcomes", "status", "allowed", "expected"),
    [
        # A checkpoint failed: pytest's 1 stays.
        (["failed", "error"], pytest.ExitCode.TESTS_FAILED, False, 1),
        # Only errors of the test: not decided (6), never 0, whatever --allow-undecided says.
        (["passed", "error"], pytest.ExitCode.TESTS_FAILED, False, UNDECIDED_EXIT),
        (["passed", "error"], pytest.ExitCode.TESTS_FAILED, True, UNDECIDED_EXIT),
        (["error"], pytest.ExitCode.OK, True, UNDECIDED_EXIT),
        # Skipped or cut off: 6 unless accepted.
        (["passed", "skipped"], pytest.ExitCode.OK, False, UNDECIDED_EXIT),
        (["passed", "skipped"], pytest.ExitCode.OK, True, 0),
        # Other codes stay: interrupted, refused, the learner's account changed.
        (["error", "interrupted"], pytest.ExitCode.INTERRUPTED, False, 2),
        (["passed", "error"], 7, False, 7),
        (["passed"], pytest.ExitCode.OK, False, 0),
    ],
)
def test_exit_code_says_failed_only_for_a_failed_checkpoint(
    outcomes: list[str], status: int, allowed: bool, expected: int
) -> None:
    rows = ({"checkpoints": [f"R{i + 1}"], "outcome": o} for i, o in enumerate(outcomes))
    counted = tally(as_results(*rows))
    assert exit_status(counted, status, allow_undecided=allowed) == expected


def test_a_row_fails_only_on_the_checks_own_verdict() -> None:
    wrong = Finding(Category.ALLOWED_BUT_DENIED, "allowed but should be denied")
    error = Finding(Category.TEST_ERROR, "boom")
    precondition = Finding(Category.PRECONDITION, "precondition not met: ...")
    assert outcome_of(CheckFailed("wrong allow", wrong), wrong) == "failed"
    assert outcome_of(CheckError("no verdict", error), error) == "error"
    assert outcome_of(CheckError("control", precondition), precondition) == "precondition not met"
    # The suite's own code: a bare assert or a crash is an error of the test, never 不合格.
    assert outcome_of(AssertionError("no probe ran"), error) == "error"
    assert outcome_of(KeyError("x"), error) == "error"
    assert outcome_of(None, error) == "error"


def test_an_interrupted_run_s_rows_are_in_japanese(japanese: None) -> None:
    """What an interrupt leaves (settle): the cut-off check and those never reached, in the
    run's language, with no English word of the suite's own (an interrupted run said 'not run'
    and 'interrupted (KeyboardInterrupt) before this check finished')."""
    results = {
        r.nodeid: r
        for r in as_results(
            {"checkpoints": ["U2"], "outcome": "not run"},
            {"checkpoints": ["U3"], "outcome": "not run"},
            {"checkpoints": ["U4"], "outcome": "passed"},
        )
    }
    cut_off, never = list(results)[:2]
    settle(results, {cut_off}, "KeyboardInterrupt")
    lines = matrix(list(results.values()), "emulator", width=200)
    rows = {line.split()[0]: line for line in lines[1:] if not line.startswith(" ")}
    assert "判定なし: 中断" in rows["U2"] and "判定なし: 実行していない" in rows["U3"]
    below = [line.strip() for line in lines if line.startswith("    ")]
    assert below == [
        "1/1 このチェックが終わる前に中断されました（KeyboardInterrupt）",
        "1/1 実行していません: その前に実行が中断されました（KeyboardInterrupt）",
    ]
    assert english_words("\n".join(lines)) == [], lines
    assert results[never].outcome.value == "not run"  # checkpoints.json's words stay


def test_a_table_wider_than_the_terminal_says_where_once_above_it(japanese: None) -> None:
    """A Japanese table with a failure takes 123 columns, and Windows Terminal gives 120: every
    row broke in two. Decided in one place, that place is said once above the table, and the
    rows and reasons fit; a file or a pipe (no terminal) gets the table as it was."""
    from handson.i18n import display_width

    results = as_results(
        {
            "checkpoints": ["R2"],
            "outcome": "failed",
            "category": "denied but should be allowed",
            "hint": "ForS31 の Resource が " + "arn:aws:s3:::handson-s3-1-abc/test.txt " * 3,
        },
        {"checkpoints": ["U4"], "outcome": "passed"},  # the longest title
        {"checkpoints": ["R8"], "outcome": "passed"},  # the longest expectation
    )
    whole = matrix(results, "emulator")
    assert max(display_width(line) for line in whole) > 120  # the test's premise
    assert whole[0].split()[-1] == "判定した場所"
    fitted = matrix(results, "emulator", terminal=120)
    assert fitted[0] == "判定した場所: エミュレータ（すべてのチェックポイント）"
    assert fitted[1].split() == ["ID", "確認すること", "期待", "結果"]
    assert all(display_width(line) <= 120 for line in fitted), fitted
    rows = [line.split()[0] for line in fitted[2:] if not line.startswith(" ")]
    assert rows == ["U4", "R2", "R8"]
    # Wide enough for the column: the table as it was.
    assert matrix(results, "emulator", terminal=200) == whole
    # 80 columns (macOS Terminal's own): the titles wrap within their column too.
    narrow = matrix(results, "emulator", terminal=80)
    assert all(display_width(line) <= 80 for line in narrow), narrow
    u4 = next(i for i, line in enumerate(narrow) if line.startswith("U4 "))
    title = narrow[u4].split()[1] + "".join(line.strip() for line in narrow[u4 + 1 : u4 + 3])
    assert title == "IAMユーザーはインスタンスの新規作成・停止・終了ができない", narrow
    assert narrow[u4 + 3].startswith("R2 "), narrow


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (KeyboardInterrupt(), "Ctrl-C"),
        (KeyboardInterrupt("signal SIGTERM"), "signal SIGTERM"),
        (RuntimeError("boom"), "RuntimeError: boom"),
    ],
)
def test_an_interruption_is_said_as_the_person_caused_it(error: BaseException, said: str) -> None:
    """A learner's Ctrl-C read '（KeyboardInterrupt）' in each row it cut off: Python's name for
    it. The key pressed, a signal's name, or anything else's type and words."""
    assert interruption(error) == said
