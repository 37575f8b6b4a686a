"""Issue 18, part 3: the security lessons' own table and tally (advisory, never the checkpoints'),
what checkpoints.json and the class table record of them."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from handson import boundary, i18n
from handson.catalogue import CATALOGUE
from handson.class_table import all_passed, table_lines, write_html
from handson.grade import Learner, read_graded
from handson.iam_engine import NamedPolicy
from handson.permissions import analyse_documents
from handson.permissions.examples import measured_documents
from handson.permissions.findings import Kind, PermissionFinding, Principal, Where
from handson.practices import (
    PracticeOutcome,
    PracticeResult,
    as_recorded,
    failing,
    lint_lines,
    table,
    tally,
)
from handson.practices.account import (
    no_longer_needed,
)


def _results() -> list[PracticeResult]:
    found = analyse_documents(measured_documents(), "test")
    reason = i18n.t("practices.no_account.emulator")
    return [
        PracticeResult.of("P1", [f for f in found if f.id == "P1"]),
        PracticeResult.of("P2", []),
        *(PracticeResult.not_applicable(p, reason) for p in ("P3", "P4", "P5", "P6")),
    ]


def test_the_table_and_tally_in_japanese() -> None:
    i18n.set_language("ja")
    lines = table(_results())
    assert lines[0].split() == ["ID", "確認すること", "結果"]
    assert lines[1].split()[:3] == ["P1", "IAMユーザーは必要最小限の権限だけを持つ", "指摘"]
    assert sum(1 for line in lines if line.startswith("    - ")) == 3
    assert any("iam:CreateAccessKey" in line and "権限昇格" in line for line in lines)
    assert lines[5].split()[0] == "P2" and lines[5].endswith("問題なし")
    # P3-P6 do not apply for one reason: one row, never 問題なし.
    assert lines[6].split()[0] == "P3-P6"
    assert lines[6].endswith(
        "対象外: エミュレータにはルートユーザーも、あなたのアカウントもありません"
    )
    assert lines[-1] == "ベストプラクティス: 指摘 1 / 問題なし 1 / 対象外 4"
    assert len(lines) == 8


def test_p5s_over_grants_are_said_once_under_p1_and_p2_and_counted_under_p5() -> None:
    """P5 holds P1's and P2's over-grants as permissions no longer needed: the table says each
    once, under the lesson that found it first, and under P5 how many are the same; the results
    (the report's, checkpoints.json's) keep them all."""
    found = analyse_documents(measured_documents(), "test")
    p1 = [f for f in found if f.id == "P1"]
    results = [
        PracticeResult.of("P1", p1),
        PracticeResult.of("P2", []),
        PracticeResult.of("P5", no_longer_needed(found)),
    ]
    lines = table(results)
    said = [line for line in lines if line.startswith("    - ")]
    # The role's, not shown under P2 here, are said whole under P5.
    assert len(said) == len(p1) + (7 - len(p1)) + 1, lines
    assert said[-1] == f"    - {len(p1)} finding(s) the same as P1's (above)"
    assert len(results[2].findings) == len(no_longer_needed(found)) == 7
    # P2's own over-grants, the role's, are counted as P2's.
    p2 = [f for f in found if f.id == "P2"]
    both = [PracticeResult.of("P1", p1), PracticeResult.of("P2", p2), results[2]]
    again = [line for line in table(both) if "the same as" in line]
    assert again == [
        f"    - {len(p1)} finding(s) the same as P1's (above)",
        f"    - {len(p2)} finding(s) the same as P2's (above)",
    ], table(both)
    assert len(p1) + len(p2) == 7


def test_checkpoints_json_records_p5s_copies_of_p1s_and_p2s_over_grants_once() -> None:
    """checkpoints.json held each of P1's findings twice, the second time as P5's (2,927 of
    them, 1.3 MB, with ReadOnlyAccess held besides): P5 records how many are P1's and P2's, as
    the terminal says it, and whole what no other lesson holds (its own: an unused key)."""
    found = analyse_documents(measured_documents(), "test")
    p1 = [f for f in found if f.id == "P1"]
    p2 = [f for f in found if f.id == "P2"]
    unused = PermissionFinding(
        "P5",
        Principal.ACCOUNT,
        Kind.ACCOUNT,
        "",
        "",
        Where("handson-iam-user", "AKIAEXAMPLE"),
        "practices.key_unused",
        {"user": "handson-iam-user", "access_key": "AKIAEXAMPLE", "days": 120},
    )
    p5 = [*no_longer_needed(found), unused]
    results = [
        PracticeResult.of("P1", p1),
        PracticeResult.of("P2", p2),
        PracticeResult.of("P5", p5),
    ]
    recorded = as_recorded(results)
    assert [r for r in recorded if r["id"] == "P5"] == [
        unused.as_dict(),
        {"id": "P5", "same_as": "P1", "count": len(p1)},
        {"id": "P5", "same_as": "P2", "count": len(p2)},
    ]
    assert [r for r in recorded if r["id"] != "P5"] == [f.as_dict() for f in p1 + p2]
    # A P5 over-grant no other lesson holds (its lesson not run) is recorded whole.
    alone = as_recorded([PracticeResult.of("P1", p1), PracticeResult.of("P5", p5)])
    assert sum(1 for r in alone if r["id"] == "P5" and "same_as" not in r) == len(p2) + 1


def _over(action: str, statement: str, *risk: str) -> PermissionFinding:
    policy, sid = statement.split(" / ")
    return PermissionFinding(
        "P2",
        Principal.ROLE,
        Kind.OVER_GRANT,
        action,
        "*",
        Where(policy, sid),
        "permissions.over_grant",
        {"action": action, "resource": "*", "statement": statement},
        risk=risk,
    )


def test_a_statements_many_over_grants_are_one_line_and_a_risky_one_its_own() -> None:
    """An AWS managed policy held besides the hands-on's (AmazonEC2RoleforSSM: 17 actions, one
    finding each) was 17 lines: a statement's plain over-grants, four or more, are one line
    naming the first three; one with a risk stays a line of its own; the results keep all."""
    logs = [_over(f"logs:{a}", "AmazonEC2RoleforSSM / #7") for a in ("A", "B", "C", "D", "E")]
    risky = _over("iam:PassRole", "AmazonEC2RoleforSSM / #7", "privilege-escalation")
    few = [_over(f"ds:{a}", "AmazonEC2RoleforSSM / #6") for a in ("A", "B")]
    p2 = PracticeResult.of("P2", [*logs, risky, *few])
    p5 = PracticeResult.of("P5", [replace(f, id="P5") for f in p2.findings])
    said = [line for line in table([p2, p5]) if line.startswith("    - ")]
    assert said == [
        "    - 5 actions allowed by AmazonEC2RoleforSSM / #7 (logs:A, logs:B, logs:C, ...),"
        " beyond what the hands-on intends",
        f"    - {risky.text()} [risk: privilege escalation]",
        f"    - {few[0].text()}",
        f"    - {few[1].text()}",
        "    - 8 finding(s) the same as P2's (above)",
    ], said
    assert len(p2.findings) == 8  # the results keep every finding


def test_the_table_fits_a_terminal_of_80_columns(japanese: None) -> None:
    """macOS Terminal's own width: a result and a finding wrap to fit it, each whole once its
    lines are put together again; a file or a pipe gets the lines as they are."""
    from handson.i18n import display_width

    whole = table(_results())
    assert max(display_width(line) for line in whole) > 80  # the test's premise
    narrow = table(_results(), terminal=80)
    assert all(display_width(line) <= 80 for line in narrow), narrow
    # Every character is still there, once (a title and its result wrap side by side).
    assert Counter("".join(whole).replace(" ", "")) == Counter("".join(narrow).replace(" ", ""))
    p3 = next(i for i, line in enumerate(narrow) if line.startswith("P3-P6 "))
    assert narrow[p3 + 1].startswith(" " * 7) and narrow[p3 + 1].strip(), narrow


def test_not_applicable_is_never_counted_as_clear() -> None:
    counted = tally(_results())
    assert counted.findings == ("P1",) and counted.clear == ("P2",)
    assert counted.not_applicable == ("P3", "P4", "P5", "P6")
    assert failing(_results())
    quiet = [r for r in _results() if r.outcome is not PracticeOutcome.FINDINGS]
    assert not failing(quiet)
    assert tally(quiet).line() == "best practices: 0 with findings, 1 clear, 4 not applicable"


def test_a_lesson_that_could_not_be_read_is_counted_apart() -> None:
    results = [PracticeResult.not_checked("P3", "AccessDenied")]
    assert tally(results).line().endswith(", 1 not checked")
    assert not failing(results)


def test_lint_is_shown_apart_and_is_never_a_lessons_finding() -> None:
    documents = measured_documents()
    documents["handson-iam-role-policy.json"]["Statement"][0]["Action"] = ["s3:GetObjects"]
    found = analyse_documents(documents, "test")
    lines = lint_lines(found)
    assert any("s3:GetObjects" in line and "s3:GetObject?" in line for line in lines), lines
    assert all(f.kind is not Kind.UNKNOWN_ACTION for f in PracticeResult.of("P2", found).findings)


def test_the_class_table_has_a_column_per_lesson_that_never_fails_a_learner(
    tmp_path: Path,
) -> None:
    i18n.set_language("ja")
    entries = [{"checkpoints": [cid], "outcome": "passed"} for cid in CATALOGUE if cid[0] in "UR"]
    entries += [{"checkpoints": [cid], "outcome": "passed"} for cid in CATALOGUE if cid[0] == "C"]
    outcomes = [{"id": "P1", "outcome": "findings"}, {"id": "P2", "outcome": "clear"}]
    outcomes += [{"id": f"P{i}", "outcome": "not applicable"} for i in range(3, 7)]
    document = {"checkpoints": entries, "practice_outcomes": outcomes}
    (tmp_path / "checkpoints.json").write_text(json.dumps(document), "utf-8")
    graded = read_graded(Learner("p", "111122223333", "p"), tmp_path, 0)
    assert graded.statuses["P1"] == "findings" and graded.statuses["P3"] == "not applicable"
    assert all_passed(graded)  # advisory: a finding is not a failed checkpoint
    lines = table_lines([graded])
    assert lines[0].split() == ["受講者", "合格", "不合格", "判定なし", "ベストプラクティスの指摘"]
    assert lines[1].split() == ["p", "13", "/", "13", "-", "-", "P1"]
    write_html([graded], tmp_path / "class.html", "now")
    assert "指摘あり" in (tmp_path / "class.html").read_text("utf-8")


def test_an_over_grant_the_boundary_denies_says_so_and_stays_a_finding() -> None:
    """With --permissions-boundary (or a learner's own), P1 and P2 measure the policy: what it
    grants beyond the hands-on is still a finding, and where the boundary allows none of it,
    the line says the boundary denies it for now (the lesson said nothing of the boundary)."""
    no_iam = NamedPolicy(
        "class-boundary",
        {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]},
    )
    listing = [_over(f"iam:List{a}", "handson-iam-role-policy.json / ForS31") for a in "ABCDE"]
    logs = _over("logs:PutLogEvents", "handson-iam-role-policy.json / ForS32")
    wild = replace(
        _over("iam:*", "handson-iam-role-policy.json / Wide"), actions=("iam:ListUsers",)
    )
    some = replace(
        _over("s3:*", "handson-iam-role-policy.json / Wide"),
        actions=("s3:GetObject", "iam:ListUsers"),
    )
    under = replace(listing[0], kind=Kind.UNDER_GRANT)
    marked = [boundary.kept_from(f, no_iam) for f in [*listing, logs, wild, some, under]]
    assert [f.boundary for f in marked] == [*["class-boundary"] * 5, "", "class-boundary", "", ""]
    assert [boundary.kept_from(f, None) for f in listing] == listing
    assert marked[0].as_dict()["boundary_denies"] == "class-boundary"
    said = [line for line in table([PracticeResult.of("P2", marked[:7])]) if "    - " in line]
    keeps = (
        " (the permissions boundary class-boundary denies it for now; the policy would allow it"
        " without the boundary, so take it out of the policy too)"
    )
    assert said == [
        "    - 5 actions allowed by handson-iam-role-policy.json / ForS31 (iam:ListA, iam:ListB,"
        f" iam:ListC, ...), beyond what the hands-on intends{keeps}",
        f"    - {logs.text()}",
        f"    - {wild.text()}{keeps}",
    ], said
    # A statement's line that says some the boundary denies and some it does not: no word of it.
    same = replace(logs, fields={**logs.fields, "statement": listing[0].fields["statement"]})
    mixed = [*marked[:5], same]
    (line,) = [ln for ln in table([PracticeResult.of("P2", mixed)]) if "    - " in ln]
    assert line.startswith("    - 6 actions allowed by") and "boundary" not in line, line


def test_a_statements_many_wildcard_entries_are_one_line_counting_every_action() -> None:
    """ReadOnlyAccess held besides the hands-on's: its statement's wildcard entries, one finding
    each (a4b:Get*, a4b:List*, ...), were 344 lines under P1 (seen, --target existing). A
    statement's plain over-grants of any kind, four or more, are one line counting every action
    they grant; one with a risk, or with words of its own (a Condition), keeps its line."""
    entries = [
        replace(
            _over(f"svc{n}:Get*", "ReadOnlyAccess / ReadOnlyActionsGroup1"),
            message="permissions.over_grant_service",
            actions=(f"svc{n}:GetA", f"svc{n}:GetB", f"svc{n}:GetC"),
            fields={
                "action": f"svc{n}:Get*",
                "count": 3,
                "named": f"svc{n}:GetA, svc{n}:GetB, svc{n}:GetC",
                "statement": "ReadOnlyAccess / ReadOnlyActionsGroup1",
            },
        )
        for n in range(5)
    ]
    one = _over("svc9:Describe", "ReadOnlyAccess / ReadOnlyActionsGroup1")
    risky = _over("backup:List*", "ReadOnlyAccess / ReadOnlyActionsGroup1", "resource-exposure")
    conditional = replace(
        one,
        message="permissions.over_grant_conditional",
        conditional=True,
        fields={**one.fields, "context": "s3express:SessionMode = 'ReadOnly'"},
    )
    said = [
        line
        for line in table([PracticeResult.of("P1", [*entries, one, risky])])
        if line.startswith("    - ")
    ]
    assert said == [
        "    - 16 actions allowed by ReadOnlyAccess / ReadOnlyActionsGroup1 (svc0:GetA, svc0:GetB,"
        " svc0:GetC, ...), beyond what the hands-on intends",
        f"    - {risky.text()} [risk: resource exposure]",
    ], said
    assert _plain_lines([*entries[:3], conditional]) == 4  # three entries and the Condition's


def _plain_lines(findings: list[PermissionFinding]) -> int:
    return sum(
        1 for line in table([PracticeResult.of("P1", findings)]) if line.startswith("    - ")
    )


def test_many_findings_are_one_attachment_of_them_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """ReadOnlyAccess beside the hands-on's: P1's and P5's 2,927 findings were one allure
    attachment each, 5,856 files and 32 MB in the run's allure-results (seen)."""
    import fixtures.practices as plugin

    attached: list[tuple[str, str]] = []
    monkeypatch.setattr(
        plugin.allure, "attach", lambda body, name, attachment_type: attached.append((name, body))
    )
    few = [_over(f"logs:{a}", "AmazonEC2RoleforSSM / #7") for a in "ABC"]
    plugin.attach_findings(PracticeResult.of("P2", few))
    assert [name for name, _ in attached] == [f"P2 finding: logs:{a}" for a in "ABC"]
    attached.clear()
    many = [_over(f"a4b:Get{n}", "ReadOnlyAccess / Group1") for n in range(2927)]
    plugin.attach_findings(PracticeResult.of("P2", many))
    ((name, body),) = attached
    assert name == "P2: all 2,927 findings"
    assert [f["action"] for f in json.loads(body)] == [f.action for f in many]
    # P5's copies of them: one line saying how many, not 2,927 findings again.
    attached.clear()
    p5 = PracticeResult.of("P5", no_longer_needed(many))
    plugin.attach_findings(p5, [PracticeResult.of("P2", many)])
    ((name, body),) = attached
    assert name == "2927 finding(s) the same as P2's (above)"
    assert json.loads(body) == {"id": "P5", "same_as": "P2", "count": 2927}
