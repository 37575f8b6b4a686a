"""What the allure report shows beyond each probe's evidence: labels and links per checkpoint,
the run's environment, and the categories failures are sorted into."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from handson import SUITE
from handson.catalogue import CATALOGUE, EPIC
from handson.findings import CATEGORIES, TEST_ERROR, Finding
from handson.i18n import display_width, has, language, t
from handson.secrets import redact

# Allure sorts a result into the first category whose statuses and message pattern match. The
# same file configures Allure 3's HTML report (allurerc.mjs); its patterns are written so that
# Allure 2 (whole-message match) and Allure 3 (search) read them alike. The suite's own matrix
# and checkpoints.json take the category from the check's finding (handson/findings.py).

# A scenario's outcome (fixtures/checkpoints.py). Only a check's own verdict is passed or failed.
PASSED = "passed"
FAILED = "failed"  # the check's own verdict: a wrong allow or a wrong deny (不合格)
# An error of the test or of its environment: a probe without a verdict, a crash of the suite's
# own code, a build that failed. Never 不合格, never passed: not decided (verdict rule 7).
ERROR = "error"
SKIPPED = "skipped"
# A scenario's outcome when it has no verdict of its own.
NOT_RUN = "not run"
INTERRUPTED = "interrupted"
# A deny check whose positive control failed: not a verdict on its own checkpoint.
PRECONDITION_NOT_MET = "precondition not met"
UNDECIDED = frozenset({SKIPPED, NOT_RUN, INTERRUPTED, PRECONDITION_NOT_MET, ERROR})


def labels(checkpoint_id: str, scenario: str) -> dict[str, object]:
    """epic, story, severity, the checkpoint ID and documentation links of a scenario."""
    checkpoint = CATALOGUE[checkpoint_id]
    return {
        "epic": EPIC,
        "story": f"{checkpoint_id}: {scenario}",
        "severity": checkpoint.severity,
        "checkpoint": checkpoint_id,
        "links": list(checkpoint.docs),
    }


def why_it_stopped(output: str) -> str:
    """What a run that decided nothing said last: its ``ERROR:`` line (a one-line refusal), or
    else its last line; redacted, at most 300 characters."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line.removeprefix("ERROR:").strip() for line in lines if line.startswith("ERROR:")]
    return redact((errors or lines[-1:] or [""])[-1])[:300]


def mask_account(account_id: str | None) -> str:
    return f"********{account_id[-4:]}" if account_id and len(account_id) >= 4 else "n/a"


def environment(target: str, region: str, run: str, account_id: str | None) -> dict[str, str]:
    # Here, not at the top: the registry loads every target module on first use.
    from handson.targets.registry import kind_named

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "target": target,
        "region": region,
        "account": mask_account(account_id) if account_id else kind_named(target).account,
        "run": run,
        "suite": f"{SUITE} {version(SUITE) if version(SUITE) != 'not installed' else '0.1.0'}",
        "boto3": version("boto3"),
        "moto": version("moto"),
        "awscli": version("awscli"),
    }


# What the HTML report shows first (allurerc.mjs reads it from the results folder): the run's
# checkpoint counts, in the run's language, rather than a share of scenario rows.
REPORT_SUMMARY_FILE = "handson-checkpoints.json"


def write_report_files(alluredir: Path, env: dict[str, str], counted: Tally | None = None) -> None:
    alluredir.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}={value}" for key, value in env.items()]
    (alluredir / "environment.properties").write_text(redact("\n".join(lines)) + "\n", "utf-8")
    # The categories under their names in the run's language; what sorts a failure into one
    # (its statuses and message pattern) stays as it is.
    named = [{**c, "name": t(f"category.{c['name']}")} for c in CATEGORIES]
    (alluredir / "categories.json").write_text(
        json.dumps(named, ensure_ascii=False, indent=2), "utf-8"
    )
    if counted is not None:
        summary = {
            "language": language(),
            "title": counted.line(),
            "passed": list(counted.passed),
            "failed": list(counted.failed),
            "undecided": list(counted.undecided),
        }
        (alluredir / REPORT_SUMMARY_FILE).write_text(
            json.dumps(summary, ensure_ascii=False, indent=2), "utf-8"
        )


# The run's exit code when every decided checkpoint passed but some were not decided: never 0, so
# that such a run never looks like a full pass (unless --allow-undecided is given).
UNDECIDED_EXIT = 6


@dataclass(frozen=True)
class Tally:
    """The run's checkpoints, each counted once: passed, failed, or not decided."""

    passed: tuple[str, ...]
    failed: tuple[str, ...]
    undecided: tuple[str, ...]
    # Those of the undecided that an error of the test or its environment left so: no
    # --allow-undecided accepts them.
    errors: tuple[str, ...] = ()

    def line(self) -> str:
        text = t(
            "tally.line",
            passed=len(self.passed),
            failed=len(self.failed),
            undecided=len(self.undecided),
        )
        if self.failed:
            text += " " + t("tally.failed", ids=", ".join(self.failed))
        if self.undecided:
            text += " " + t("tally.undecided", ids=", ".join(self.undecided))
        return text


def tally(results: list[dict[str, object]]) -> Tally:
    """A checkpoint failed if the check's own verdict failed in any of its scenarios; else it is
    not decided if any scenario did not pass (an error of the test, skipped, not run,
    interrupted, its precondition not met); else it passed. An error is never a failure."""
    passed, failed, undecided, errors = [], [], [], []
    for checkpoint_id in CATALOGUE:
        outcomes = {str(e["outcome"]) for e in results if checkpoint_id in e["checkpoints"]}  # type: ignore[operator]
        if not outcomes:
            continue
        if FAILED in outcomes:
            failed.append(checkpoint_id)
        elif outcomes != {PASSED}:  # whatever did not pass, under any name, is not decided
            undecided.append(checkpoint_id)
            if ERROR in outcomes:
                errors.append(checkpoint_id)
        else:
            passed.append(checkpoint_id)
    return Tally(tuple(passed), tuple(failed), tuple(undecided), tuple(errors))


def matrix(results: list[dict[str, object]], target: str, width: int = 100) -> list[str]:
    """One row per checkpoint, in the run's language: ID, what it checks, expected, observed,
    where it was decided. A long reason is wrapped at word boundaries under its column, never cut;
    the report has it whole."""
    rows = []
    for checkpoint_id, checkpoint in CATALOGUE.items():
        entries = [e for e in results if checkpoint_id in e["checkpoints"]]  # type: ignore[operator]
        if not entries:
            continue
        outcomes = {str(e["outcome"]) for e in entries}
        failed = [e for e in entries if e["outcome"] == FAILED]
        skipped = [e for e in entries if e["outcome"] == SKIPPED]
        # Not decided, for a cause: an error of the test first, then what cut the checks off.
        cut_off = [e for e in entries if e["outcome"] == ERROR] or [
            e for e in entries if e["outcome"] in (NOT_RUN, INTERRUPTED, PRECONDITION_NOT_MET)
        ]
        if failed:
            observed = t("matrix.failed", headline=_category_words(failed[0]))
        elif cut_off:
            observed = t("matrix.cut_off", outcome=_category_words(cut_off[0]))
        elif outcomes == {SKIPPED}:
            observed = t("matrix.not_decided")
        elif outcomes != {PASSED}:
            observed = t("matrix.partly")
        else:
            observed = t("matrix.as_expected")
        reason = ""
        if failed:
            reason = _reason(failed[0])
        elif cut_off:
            # The cause, never a hint: an error says nothing about the policies.
            reason = t(
                "matrix.cut", count=len(cut_off), total=len(entries), outcome=_headline(cut_off[0])
            )
        elif skipped:
            reason = t(
                "matrix.skipped", count=len(skipped), total=len(entries), reason=_reason(skipped[0])
            )
        expected = t(f"expected.{checkpoint.expected}")
        # Where: the run's target, or where each of its scenarios was decided (--live's replay).
        where = "+".join(sorted({str(e.get("decided_by") or target) for e in entries}))
        title = CATALOGUE[checkpoint_id].short_title()
        rows.append((checkpoint_id, title, expected, observed, reason, where))
    header = tuple(t(f"matrix.{k}") for k in ("id", "checks", "expected", "observed", "where"))
    header = (*header[:4], "", header[4])
    widths = [max(display_width(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = []
    previous = ""
    for row in [header, *rows]:
        where = row[5]
        lines.append(
            "  ".join(_pad(c, w) for c, w in zip(row[:4], widths, strict=True)) + "  " + where
        )
        reason = "" if row is header else row[4]
        if reason:
            # Below its row, whole and wrapped at word boundaries; once for a run of equal ones.
            shown = t("matrix.same") if reason == previous else reason
            lines += [
                "    " + part for part in textwrap.wrap(shown, width - 4, break_long_words=False)
            ]
        previous = reason
    return [redact(line) for line in lines]


def _category_words(entry: dict[str, object]) -> str:
    category = entry.get("category")
    if category and has(f"category.{category}"):
        return t(f"category.{category}")
    return str(entry.get("outcome"))


def _reason(entry: dict[str, object]) -> str:
    """The hint where there is one, else the headline."""
    return str(entry["hint"]) if entry.get("hint") else _headline(entry)


def _headline(entry: dict[str, object]) -> str:
    """The finding's line (a category's in the run's language)."""
    headline = str(entry.get("headline") or entry.get("reason", ""))
    if headline == entry.get("category"):
        return _category_words(entry)
    return headline


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def failure_block(checkpoints: list[str], title: str, finding: Finding) -> str:
    """One short block for a failing check, in the run's language: the checkpoint, what was
    tried and as whom, expected and observed with the rule, the deciding statement, a hint."""
    lines = [f"{' '.join(checkpoints)} {title}".strip()]
    result = finding.result
    if finding.category == TEST_ERROR:
        # Not the learner's policies: said first, and no hint follows (verdict rule 7).
        lines.append("  " + t("block.not_decided", category=t(f"category.{TEST_ERROR}")))
    if finding.category != finding.headline:
        lines.append(f"  {finding.headline}")
    # What went wrong after the first cause (a teardown after a failed build): below it.
    lines += [f"  {line}" for text in finding.more for line in text.splitlines()]
    if result is not None:
        verdict = result.answer.verdict
        lines += [
            "  " + t("block.tried", call=result.probe.call),
            "  " + t("block.as", principal=result.principal),
            "  "
            + t(
                "block.expected",
                expected=t(f"outcome.{result.expected.value}"),
                observed=t(f"outcome.{verdict.outcome.value}"),
                rule=verdict.rule,
            ),
        ]
        deciding = [line.strip() for line in result.explanation.splitlines()[1:] if line.strip()]
        statements = [line for line in deciding if " statement " in line]
        lines += ["  " + t("block.decided_by", statement=line) for line in statements]
        if not statements and verdict.outcome.value == "denied" and result.explanation:
            lines.append("  " + t("block.implicit"))
    if finding.hint and finding.category != TEST_ERROR:
        lines.append("  " + t("block.hint", hint=finding.hint))
    return redact("\n".join(lines))


def failure_blocks(failures: list[tuple[dict[str, Any], Finding]]) -> list[str]:
    """A block per cause: failures with the same finding (a failed positive control, a trust
    policy mistake) are shown once, with the other checkpoints they fail."""
    groups: dict[tuple[str, str, str], list[tuple[dict[str, Any], Finding]]] = {}
    for entry, finding in failures:
        call = finding.result.probe.call if finding.result is not None else ""
        groups.setdefault((finding.headline, finding.hint, call), []).append((entry, finding))
    lines: list[str] = []
    for members in groups.values():
        entry, finding = members[0]
        lines += failure_block(
            list(entry["checkpoints"]), str(entry.get("title", "")), finding
        ).splitlines()
        others = sorted(
            {c for e, _ in members[1:] for c in e["checkpoints"]} - set(entry["checkpoints"])
        )
        if others:
            lines.append("  " + t("failures.same", ids=", ".join(others)))
    return lines
