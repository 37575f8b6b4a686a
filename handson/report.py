"""What the allure report shows beyond each probe's evidence: labels and links per checkpoint,
the run's environment, and the categories failures are sorted into."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handson.catalogue import CATALOGUE, EPIC, id_ranges
from handson.findings import Finding
from handson.i18n import display_width, has, listed, pad, t, word, wrap_columns
from handson.policy_match import describe
from handson.results import Category, Outcome, ScenarioResult
from handson.secrets import redact

# Allure sorts a result into the first category whose statuses and trace pattern match: the
# trace's last line names the finding's category (handson.results.Category.marker). The same
# file configures Allure 3's HTML report (allurerc.mjs); its patterns are written so that
# Allure 2 (whole-trace match) and Allure 3 (search) read them alike. Everything shown here is
# computed from the run's ScenarioResult values; words are made only here, in the run's language.


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
    # Those none of whose scenarios this run selected (-k, -m, a test ID): neither run nor
    # counted, and said below the tally so that a run of a few is not taken for the whole.
    not_selected: tuple[str, ...] = ()

    def line(self) -> str:
        # One whole sentence for each case: which of the two lists it names.
        key = (
            "tally.line"
            + ("_failed" if self.failed else "")
            + ("_undecided" if self.undecided else "")
        )
        return t(
            key,
            passed=len(self.passed),
            failed=len(self.failed),
            undecided=len(self.undecided),
            failed_ids=listed(self.failed),
            undecided_ids=listed(self.undecided),
        )

    def not_selected_line(self) -> str:
        """What this run left out, or nothing."""
        if not self.not_selected:
            return ""
        return t("tally.not_selected", ids=id_ranges(self.not_selected))


def tally(results: Sequence[ScenarioResult]) -> Tally:
    """A checkpoint failed if the check's own verdict failed in any of its scenarios; else it is
    not decided if any scenario did not pass (an error of the test, skipped, not run,
    interrupted, its precondition not met, some of its scenarios not selected); else it passed.
    An error is never a failure. A checkpoint none of whose scenarios was selected is neither."""
    passed, failed, undecided, errors, not_selected = [], [], [], [], []
    for checkpoint_id in CATALOGUE:
        outcomes = {r.outcome for r in results if checkpoint_id in r.checkpoints}
        if not outcomes:
            continue
        if outcomes == {Outcome.NOT_SELECTED}:
            not_selected.append(checkpoint_id)
            continue
        if Outcome.FAILED in outcomes:
            failed.append(checkpoint_id)
        elif outcomes != {Outcome.PASSED}:  # whatever did not pass is not decided
            undecided.append(checkpoint_id)
            if Outcome.ERROR in outcomes:
                errors.append(checkpoint_id)
        else:
            passed.append(checkpoint_id)
    return Tally(tuple(passed), tuple(failed), tuple(undecided), tuple(errors), tuple(not_selected))


# Outcomes that cut a checkpoint's checks off, after an error of the test.
_CUT_OFF = (Outcome.NOT_RUN, Outcome.INTERRUPTED, Outcome.PRECONDITION_NOT_MET)


def matrix(
    results: Sequence[ScenarioResult], target: str, width: int = 100, terminal: int | None = None
) -> list[str]:
    """One row per checkpoint, in the run's language: ID, what it checks, expected, observed,
    where it was decided. A long reason is wrapped at word boundaries under its column, never cut;
    the report has it whole. On a ``terminal`` of that many columns, narrower than the table (a
    Japanese table with a failure takes 123, Windows Terminal gives 120), where every checkpoint
    was decided is said once above the table instead of in a column, and reasons fit it; the
    titles wrap within their column where that is not enough."""
    rows = []
    for checkpoint_id, checkpoint in CATALOGUE.items():
        entries = [r for r in results if checkpoint_id in r.checkpoints]
        outcomes = {r.outcome for r in entries}
        if outcomes <= {Outcome.NOT_SELECTED}:  # none of it, or none of it selected
            continue
        failed = [r for r in entries if r.outcome is Outcome.FAILED]
        skipped = [r for r in entries if r.outcome is Outcome.SKIPPED]
        left_out = [r for r in entries if r.outcome is Outcome.NOT_SELECTED]
        # Not decided, for a cause: an error of the test first, then what cut the checks off.
        cut_off = [r for r in entries if r.outcome is Outcome.ERROR] or [
            r for r in entries if r.outcome in _CUT_OFF
        ]
        if failed:
            observed = t("matrix.failed", headline=_category_words(failed[0]))
        elif cut_off:
            observed = t("matrix.cut_off", outcome=_category_words(cut_off[0]))
        elif outcomes == {Outcome.SKIPPED}:
            observed = t("matrix.not_decided")
        elif outcomes != {Outcome.PASSED}:
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
        elif left_out:  # what was run passed or was skipped; the rest was not asked for
            reason = t("matrix.not_selected", count=len(left_out), total=len(entries))
        elif skipped:
            reason = t(
                "matrix.skipped", count=len(skipped), total=len(entries), reason=_reason(skipped[0])
            )
        expected = t(f"expected.{checkpoint.expected}")
        # Where: the run's target, or where each of its scenarios was decided (--live's replay).
        where = "+".join(
            _decided_on(w) for w in sorted({str(r.fact("decided_by") or target) for r in entries})
        )
        title = CATALOGUE[checkpoint_id].short_title()
        rows.append((checkpoint_id, title, expected, observed, reason, where))
    header = tuple(t(f"matrix.{k}") for k in ("id", "checks", "expected", "observed", "where"))
    header = (*header[:4], "", header[4])
    widths = [max(display_width(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = []
    places = {row[5] for row in rows}
    full = sum(widths) + 2 * 4 + max(display_width(r[5]) for r in [header, *rows])
    one_place = terminal is not None and full > terminal and len(places) == 1
    if one_place:
        lines.append(t("matrix.where_all", where=places.pop()))
    if terminal is not None:
        width = min(width, terminal)
    others = widths[0] + widths[2] + widths[3] + 2 * 3
    if one_place and others + widths[1] > width:
        # Still too wide (80 columns: macOS Terminal's own): the titles wrap within their column.
        widths[1] = max(width - others, 16)
    previous = ""
    for row in [header, *rows]:
        title, *more = wrap_columns(row[1], widths[1]) if one_place else [row[1]]
        cells = "  ".join(
            pad(c, w) for c, w in zip((row[0], title, *row[2:4]), widths, strict=True)
        )
        lines.append(cells.rstrip() if one_place else cells + "  " + row[5])
        lines += [(pad("", widths[0]) + "  " + part).rstrip() for part in more]
        reason = "" if row is header else row[4]
        if reason:
            # Below its row, whole and wrapped at word boundaries; once for a run of equal ones.
            shown = t("matrix.same") if reason == previous else reason
            lines += ["    " + part for part in wrap_columns(shown, width - 4)]
        previous = reason
    return [redact(line) for line in lines]


def _decided_on(where: str) -> str:
    """Where a check was decided (a TargetKind's decided_on, or a scenario's decided_by), in the
    run's language; a word without a message (a test's own target) as it is."""
    return word("decided_on", where)


def _category_words(result: ScenarioResult) -> str:
    """The result's category in the run's language; its outcome where it has none."""
    category = result.category
    if category is not None and has(f"category.{category.value}"):
        return t(f"category.{category.value}")
    return word("result.outcome", result.outcome.value)


def _reason(result: ScenarioResult) -> str:
    """The hint where there is one, else the headline."""
    return result.hint or _headline(result)


def _headline(result: ScenarioResult) -> str:
    """The finding's line (a category's in the run's language)."""
    headline = result.headline or result.reason
    if result.category is not None and headline == result.category.value:
        return _category_words(result)
    return headline


def failure_block(checkpoints: Sequence[str], title: str, finding: Finding) -> str:
    """One short block for a failing check, in the run's language: the checkpoint, what was
    tried and as whom, expected and observed with the rule, the deciding statements (the
    engine's decision, as the probe's result carries it), a hint."""
    lines = [f"{' '.join(checkpoints)} {title}".strip()]
    result = finding.result
    error = finding.category is Category.TEST_ERROR
    if error:
        # Not the learner's policies: said first, and no hint follows (verdict rule 7).
        lines.append("  " + t("block.not_decided", category=t(f"category.{Category.TEST_ERROR}")))
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
                rule=verdict.text,
            ),
        ]
        probe = result.probe
        lines += [
            "  " + t("block.decided_by", statement=describe(s, probe.action, probe.resource))
            for s in result.deciding
        ]
        if not result.deciding and verdict.outcome.value == "denied" and result.explanation:
            lines.append("  " + t("block.implicit"))
    if finding.hint and not error:
        lines.append("  " + t("block.hint", hint=finding.hint))
    return redact("\n".join(lines))


def failure_blocks(failures: Sequence[ScenarioResult]) -> list[str]:
    """A block per cause: failures with the same finding (a failed positive control, a trust
    policy mistake) are shown once, with the other checkpoints they fail; wrong allows that the
    same statements allowed (s3:* on *, say) once, with what else they let through."""
    groups: dict[tuple[str, ...], list[ScenarioResult]] = {}
    for failure in failures:
        groups.setdefault(_cause(failure), []).append(failure)
    lines: list[str] = []
    for cause, members in groups.items():
        # A check's own verdict before a control that failed the same way (U3's start, denied,
        # is the user's control too): the block shows what failed, "same cause" the rest.
        first = min(members, key=lambda m: m.outcome is Outcome.PRECONDITION_NOT_MET)
        members = [first, *(m for m in members if m is not first)]
        assert first.finding is not None
        lines += failure_block(first.checkpoints, first.title, first.finding).splitlines()
        if cause[0] == ALLOWED_BY and members[1:]:
            lines.append("  " + t("failures.same_statement", count=len(members) - 1))
            lines += [f"    {_tried(m)}" for m in members[1:]]
            continue
        others = sorted({c for m in members[1:] for c in m.checkpoints} - set(first.checkpoints))
        if others:
            lines.append("  " + t("failures.same", ids=listed(others)))
    return lines


ALLOWED_BY = "allowed by"  # a cause: the statements that allowed what should be denied


def _cause(failure: ScenarioResult) -> tuple[str, ...]:
    """What a failure's block is about: the statements that allowed what should be denied, or
    else its headline, hint and call."""
    finding = failure.finding
    assert finding is not None  # a failure as shown always has its finding
    result = finding.result
    if result is None:
        return (finding.headline, finding.hint, "")
    if result.deciding and result.answer.verdict.outcome.value == "allowed":
        return (ALLOWED_BY, *(s.label for s in result.deciding))
    if result.expected.value == "allowed" and result.answer.verdict.outcome.value == "denied":
        # A denied allow: a check's own failure, or a positive control's, by the same call.
        return ("denied", finding.hint, result.probe.call)
    return (finding.headline, finding.hint, result.probe.call)


def _tried(failure: ScenarioResult) -> str:
    """A failure's checkpoints and what was tried, on one line."""
    finding = failure.finding
    call = finding.result.probe.call if finding and finding.result else ""
    return redact(f"{' '.join(failure.checkpoints)} {call}".strip())
