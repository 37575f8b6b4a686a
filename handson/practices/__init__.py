"""The hands-on's security lessons (「セキュリティのベストプラクティス」) as results: P1-P6.

Each lesson's result is a value (:class:`PracticeResult`): its findings
(handson.permissions.PermissionFinding), or why it does not apply. They have a table and a tally
of their own, below the checkpoints': advisory, they never change the checkpoints' tally, and
change the exit code only with ``--practices strict``. A lesson that does not apply is never
counted as passed.

- P1, P2: least privilege of the user and the role (handson.permissions, on the run's policies);
- P3-P6: the account (handson.practices.account), where the target has one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from handson.catalogue import CATALOGUE
from handson.i18n import display_width, hanging, listed, pad, t, wrap_columns
from handson.permissions.findings import CHECK_IDS, Kind, PermissionFinding
from handson.permissions.handson_world import on_instance

# The lessons' IDs, in the catalogue's order: advisory, never a checkpoint that passes or fails
# (the class table's "all passed" leaves them out).
ADVISORY: tuple[str, ...] = tuple(cid for cid, c in CATALOGUE.items() if c.family == "P")
# The kinds that are a lesson's findings; the lint (unknown action, resource mismatch, condition
# key, wildcard) is shown on its own, never a lesson's finding.
MEASURED = frozenset({Kind.OVER_GRANT, Kind.UNDER_GRANT, Kind.TRUST, Kind.ACCOUNT})
NO_LONGER_NEEDED = "P5"  # permissions no longer needed: P1's and P2's over-grants among them
LINT = frozenset({Kind.UNKNOWN_ACTION, Kind.RESOURCE_MISMATCH, Kind.CONDITION_KEY, Kind.WILDCARD})


class PracticeOutcome(StrEnum):
    FINDINGS = "findings"  # 指摘: something to change
    CLEAR = "clear"  # 問題なし
    NOT_APPLICABLE = "not applicable"  # 対象外: never counted as passed
    NOT_CHECKED = "not checked"  # the account could not be read (no permission, an error)


@dataclass(frozen=True)
class PracticeResult:
    id: str  # P1-P6
    outcome: PracticeOutcome
    findings: tuple[PermissionFinding, ...] = ()
    reason: str = ""  # why it does not apply, in the run's language

    @classmethod
    def of(cls, check: str, found: Iterable[PermissionFinding]) -> PracticeResult:
        mine = tuple(f for f in found if f.kind in MEASURED)
        return cls(check, PracticeOutcome.FINDINGS if mine else PracticeOutcome.CLEAR, mine)

    @classmethod
    def not_applicable(cls, check: str, reason: str) -> PracticeResult:
        return cls(check, PracticeOutcome.NOT_APPLICABLE, reason=reason)

    @classmethod
    def not_checked(cls, check: str, reason: str) -> PracticeResult:
        return cls(check, PracticeOutcome.NOT_CHECKED, reason=reason)

    def on_instance(self, instance_id: str | None) -> PracticeResult:
        """The same, its findings naming the instance ``instance_id`` instead of the sample one
        they were measured on (handson.permissions.handson_world.on_instance)."""
        return replace(self, findings=tuple(on_instance(self.findings, instance_id)))

    def as_dict(self) -> dict[str, object]:
        row: dict[str, object] = {"id": self.id, "outcome": self.outcome.value}
        if self.reason:
            row["reason"] = self.reason
        return row


@dataclass(frozen=True)
class PracticeTally:
    findings: tuple[str, ...]
    clear: tuple[str, ...]
    not_applicable: tuple[str, ...]
    not_checked: tuple[str, ...] = ()

    def line(self) -> str:
        line = t(
            "practices.tally",
            findings=len(self.findings),
            clear=len(self.clear),
            not_applicable=len(self.not_applicable),
        )
        if self.not_checked:
            line += t("practices.tally_not_checked", count=len(self.not_checked))
        return line


def tally(results: Sequence[PracticeResult]) -> PracticeTally:
    def having(outcome: PracticeOutcome) -> tuple[str, ...]:
        return tuple(r.id for r in results if r.outcome is outcome)

    return PracticeTally(
        having(PracticeOutcome.FINDINGS),
        having(PracticeOutcome.CLEAR),
        having(PracticeOutcome.NOT_APPLICABLE),
        having(PracticeOutcome.NOT_CHECKED),
    )


def _observed(result: PracticeResult) -> str:
    if result.outcome is PracticeOutcome.FINDINGS:
        return t("practices.outcome.findings", count=len(result.findings))
    if result.outcome is PracticeOutcome.NOT_APPLICABLE:
        return t("practices.outcome.not_applicable", reason=result.reason)
    if result.outcome is PracticeOutcome.NOT_CHECKED:
        return t("practices.outcome.not_checked", reason=result.reason)
    return t("practices.outcome.clear")


def _risk(finding: PermissionFinding) -> str:
    """Escalation and exposure, named after the finding (cloudsplaining's classes)."""
    if not finding.risk:
        return ""
    return t(
        "practices.risk",
        risks=t("practices.list_separator").join(
            t(f"practices.risk.{risk}", lacking=listed(finding.lacking)) for risk in finding.risk
        ),
    )


# Of one statement's plain over-grants (no risk of their own), this many or more are one line.
GROUPED_AT = 4
# Over-grants that say only what a statement grants beyond the hands-on: one action, a service's
# actions, a wildcard entry's (``a4b:Get*``), whole services. Those with words of their own (a
# grant under a Condition, one reaching another learner's resources) keep their line.
PLAIN = frozenset(
    {
        "permissions.over_grant",
        "permissions.over_grant_service",
        "permissions.over_grant_services",
    }
)


def _said(findings: Sequence[PermissionFinding]) -> list[tuple[str, int]]:
    """Each finding's line, with how many findings it says: a statement's plain over-grants,
    GROUPED_AT or more, in one line naming the first few actions and counting them all, so that
    the table stays readable (an AWS managed policy's actions, one by one; ReadOnlyAccess's
    wildcard entries, one a service, were 344 lines); one with a risk is always a line of its
    own. The results keep every finding."""
    plain: dict[str, list[PermissionFinding]] = {}
    for finding in findings:
        if _plain(finding):
            plain.setdefault(_statement(finding), []).append(finding)
    grouped = {label for label, found in plain.items() if len(found) >= GROUPED_AT}
    said: list[tuple[str, int]] = []
    for finding in findings:
        label = _statement(finding)
        if _plain(finding) and label in grouped:
            found = plain[label]
            if finding is found[0]:
                actions = [a for f in found for a in (f.actions or (f.action,))]
                words = t(
                    "practices.over_grants",
                    statement=label,
                    count=f"{len(actions):,}",
                    named=listed(actions[:3]),
                )
                said.append((f"{words}{_kept_from(found)}", len(found)))
            continue
        said.append((f"{finding.text()}{_risk(finding)}{_kept_from([finding])}", 1))
    return said


def _plain(finding: PermissionFinding) -> bool:
    """An over-grant that says only what it grants, with no risk of its own."""
    return finding.message in PLAIN and not finding.risk


def _statement(finding: PermissionFinding) -> str:
    return str(finding.fields.get("statement", ""))


def _kept_from(findings: Sequence[PermissionFinding]) -> str:
    """Where the principal's permissions boundary allows none of what the findings grant: said
    after them (the policy still grants it, and would with the boundary gone)."""
    boundaries = {f.boundary for f in findings}
    if len(boundaries) != 1 or not findings[0].boundary:
        return ""
    return t("practices.boundary_keeps", boundary=findings[0].boundary)


def _merged(
    rows: list[tuple[str, str, str]], results: list[PracticeResult]
) -> tuple[list[tuple[str, str, str]], list[PracticeResult]]:
    """Lessons in a row that do not apply for one reason (P3-P6 on the emulator) share a row:
    the learner's output stays short."""
    out_rows: list[tuple[str, str, str]] = []
    out_results: list[PracticeResult] = []
    for row, result in zip(rows, results, strict=True):
        last = out_results[-1] if out_results else None
        if (
            last is not None
            and result.outcome is PracticeOutcome.NOT_APPLICABLE
            and last.outcome is PracticeOutcome.NOT_APPLICABLE
            and last.reason == result.reason
        ):
            first = out_rows[-1][0].split("-")[0]
            out_rows[-1] = (f"{first}-{result.id}", t("practices.account_lessons"), row[2])
            continue
        out_rows.append(row)
        out_results.append(result)
    return out_rows, out_results


# The narrowest the result's column gets on a narrow terminal before the titles wrap too.
RESULT_COLUMNS = 24


def table(results: Sequence[PracticeResult], terminal: int | None = None) -> list[str]:
    """One row per lesson, then each finding under it, then the tally. On a ``terminal`` of that
    many columns, a result and a finding wrap to fit it (a file or a pipe: lines as they are)."""
    rows = [(r.id, CATALOGUE[r.id].short_title(), _observed(r)) for r in results]
    counted = tally(results)
    rows, results = _merged(rows, list(results))
    header = (t("matrix.id"), t("matrix.checks"), t("matrix.observed"))
    widths = [max(display_width(row[i]) for row in [header, *rows]) for i in range(2)]
    if terminal and terminal - (widths[0] + widths[1] + 4) < RESULT_COLUMNS:
        widths[1] = max(terminal - widths[0] - 4 - RESULT_COLUMNS, 16)  # titles wrap too
    at = widths[0] + widths[1] + 4  # where the result's column begins

    def fitted(text: str, columns: int) -> list[str]:
        return (wrap_columns(text, columns) or [""]) if terminal else [text]

    lines = []
    shown: dict[str, str] = {}  # a finding's line -> the lesson it was shown under first
    advised: set[str] = set()  # the AWS managed policies whose way out was said
    for row, result in zip([header, *rows], [None, *results], strict=True):
        titles = fitted(row[1], widths[1])
        said = fitted(row[2], (terminal or 0) - at)
        for n in range(max(len(titles), len(said))):
            title = titles[n] if n < len(titles) else ""
            line = f"{pad(row[0] if n == 0 else '', widths[0])}  {pad(title, widths[1])}  "
            lines.append((line + (said[n] if n < len(said) else "")).rstrip())
        again: dict[str, int] = {}  # P5's over-grants are P1's and P2's: said once, counted
        for text, count in _said(result.findings if result is not None else ()):
            if text in shown:
                again[shown[text]] = again.get(shown[text], 0) + count
                continue
            shown[text] = row[0]
            lines += hanging("    - ", text, terminal)
        for policy in _aws_managed(result.findings if result is not None else ()):
            if policy not in advised:  # their fix: taken off, not narrowed (nobody can edit it)
                advised.add(policy)
                lines += hanging("    - ", t("practices.aws_managed_off", policy=policy), terminal)
        for lesson, count in again.items():
            lines += hanging("    - ", t("practices.same_as", lesson=lesson, count=count), terminal)
    lines.append(counted.line())
    return lines


def _aws_managed(findings: Iterable[PermissionFinding]) -> list[str]:
    """The AWS managed policies whose grants are among the findings, in order."""
    return list(dict.fromkeys(f.statement.file for f in findings if f.aws_managed and f.statement))


def as_recorded(results: Sequence[PracticeResult]) -> list[dict[str, object]]:
    """The lessons' findings as checkpoints.json records them, each once: P5's over-grants are
    P1's and P2's (``account.no_longer_needed``), so P5 has one entry for each of those lessons
    that holds them, with how many, as the terminal says it; one that lesson does not hold is
    recorded whole. With ReadOnlyAccess held beside the hands-on's, the file held 2,927
    findings twice (1.3 MB of its 3.3 MB)."""
    held = {(r.id, _same(f)) for r in results if r.id != NO_LONGER_NEEDED for f in r.findings}
    recorded: list[dict[str, object]] = []
    for result in results:
        same: dict[str, int] = {}
        for finding in result.findings:
            lesson = CHECK_IDS.get(finding.principal, "")
            if result.id == NO_LONGER_NEEDED and (lesson, _same(finding)) in held:
                same[lesson] = same.get(lesson, 0) + 1
            else:
                recorded.append(finding.as_dict())
        recorded += [{"id": result.id, "same_as": k, "count": n} for k, n in same.items()]
    return recorded


def _same(finding: PermissionFinding) -> tuple[object, ...]:
    """What two lessons' findings of one grant share (P5's copy differs in its ``id`` only)."""
    return (finding.principal, finding.kind, finding.action, finding.resource, finding.statement)


def lint_lines(found: Iterable[PermissionFinding]) -> list[str]:
    """The lint, one short line each (file and Sid in the message), never a failure."""
    return [f"  - {f.text()}" for f in found if f.kind in LINT]


def failing(results: Sequence[PracticeResult]) -> bool:
    """Whether ``--practices strict`` fails the run."""
    return any(r.outcome is PracticeOutcome.FINDINGS for r in results)
