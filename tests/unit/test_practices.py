"""Issue 18, part 3: the security lessons P3-P6 read from an account (moto, botocore's Stubber),
and the lessons' own table and tally (advisory, never the checkpoints')."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from handson import boundary, i18n
from handson.catalogue import CATALOGUE
from handson.class_table import all_passed, table_lines, write_html
from handson.grade import Learner, read_graded
from handson.iam_engine import NamedPolicy
from handson.permissions import analyse_documents, lint
from handson.permissions.examples import measured_documents
from handson.permissions.findings import Kind, PermissionFinding, Principal, Where
from handson.policies import ROLE_POLICY_FILE
from handson.policy_match import ResourceHint, hint
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
    UNUSED_DAYS,
    AccountView,
    long_lived_keys,
    no_longer_needed,
    root_user,
    unused_keys,
    user_mfa,
)
from handson.practices.hints import hint_with_lint, lint_notes
from handson.settings import resolve
from handson.targets.registry import kind_named

USER = "handson-iam-user-test"
RUNNER = "arn:aws:iam::123456789012:user/admin"


@pytest.fixture
def iam() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("iam", region_name="us-east-1")
        client.create_user(UserName=USER)
        yield client


def _summary(iam: Any, keys: int, mfa: int) -> Stubber:
    stub = Stubber(iam)
    summary = {"AccountAccessKeysPresent": keys, "AccountMFAEnabled": mfa}
    stub.add_response("get_account_summary", {"SummaryMap": summary})
    return stub


def test_root_with_keys_and_without_mfa_gives_two_findings() -> None:
    iam = boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    with _summary(iam, keys=1, mfa=0):
        found = root_user(AccountView(iam, RUNNER, USER))
    assert [f.message for f in found] == ["practices.root_keys", "practices.root_mfa"]
    assert {(f.id, f.principal, f.kind) for f in found} == {("P3", Principal.ACCOUNT, Kind.ACCOUNT)}


def test_a_protected_root_not_running_the_suite_gives_none() -> None:
    iam = boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    with _summary(iam, keys=0, mfa=1):
        assert root_user(AccountView(iam, RUNNER, USER)) == []


def test_the_root_user_running_the_suite_is_a_finding() -> None:
    iam = boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    root = "arn:aws:iam::123456789012:root"
    with _summary(iam, keys=0, mfa=1):
        found = root_user(AccountView(iam, root, USER))
    assert [f.message for f in found] == ["practices.runner_is_root"]
    assert root in found[0].text()


def test_a_long_lived_key_is_a_finding_unless_the_run_made_it(iam: Any) -> None:
    key = iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
    found = long_lived_keys(AccountView(iam, RUNNER, USER))
    assert [(f.id, f.fields["access_key"]) for f in found] == [("P4", key)]
    shown = found[0].as_dict()  # its message in words, as checkpoints.json has it
    assert key in shown["message"] and shown["principal"] == shown["kind"] == "account"
    assert long_lived_keys(AccountView(iam, RUNNER, USER, frozenset({key}))) == []
    assert long_lived_keys(AccountView(iam, RUNNER, None)) == []


def test_a_key_unused_for_91_days_is_a_finding(iam: Any) -> None:
    key = iam.create_access_key(UserName=USER)["AccessKey"]
    made = key["CreateDate"]
    view = AccountView(iam, RUNNER, USER)
    assert unused_keys(view, now=made + timedelta(days=UNUSED_DAYS - 1)) == []
    found = unused_keys(view, now=made + timedelta(days=91))
    assert [(f.id, f.message, f.fields["days"]) for f in found] == [
        ("P5", "practices.key_never_used", 91)
    ]
    assert "91" in found[0].as_dict()["message"]


def test_a_key_used_long_ago_is_a_finding() -> None:
    iam = boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    now = datetime(2026, 12, 4, tzinfo=UTC)
    made = now - timedelta(days=400)
    key = {"AccessKeyId": "AKIAEXAMPLEEXAMPLE", "Status": "Active", "CreateDate": made}
    with Stubber(iam) as stub:
        stub.add_response("list_access_keys", {"AccessKeyMetadata": [dict(key, UserName=USER)]})
        used = {"LastUsedDate": now - timedelta(days=91), "ServiceName": "s3", "Region": "x"}
        stub.add_response("get_access_key_last_used", {"UserName": USER, "AccessKeyLastUsed": used})
        found = unused_keys(AccountView(iam, RUNNER, USER), now=now)
    assert [(f.message, f.fields["days"]) for f in found] == [("practices.key_unused", 91)]


def test_a_user_who_signs_in_without_mfa_is_a_finding(iam: Any) -> None:
    view = AccountView(iam, RUNNER, USER)
    assert user_mfa(view) == []  # no login profile: no console sign-in to protect
    iam.create_login_profile(UserName=USER, Password="Password-1234!")
    found = user_mfa(view)
    assert [(f.id, f.message) for f in found] == [("P6", "practices.user_mfa")]
    assert USER in found[0].as_dict()["message"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="mfa")["VirtualMFADevice"]
    iam.enable_mfa_device(
        UserName=USER,
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    assert user_mfa(view) == []


def test_p1_and_p2_over_grants_are_p5_permissions_no_longer_needed() -> None:
    found = analyse_documents(measured_documents(), "test")
    p5 = no_longer_needed(found)
    assert len(p5) == 7 and {f.id for f in p5} == {"P5"}


def test_the_emulator_declares_why_account_lessons_do_not_apply() -> None:
    assert kind_named("emulator").no_account == "practices.no_account.emulator"
    assert kind_named("aws").no_account is None
    assert kind_named("existing").no_account is None


def test_practices_option_and_its_environment_variable() -> None:
    assert resolve({}, environ={}).practices == "advisory"
    assert resolve({}, environ={"HANDSON_PRACTICES": "strict"}).practices == "strict"
    assert (
        resolve({"practices": "advisory"}, environ={"HANDSON_PRACTICES": "strict"}).practices
        == "advisory"
    )
    with pytest.raises(Exception, match="--practices 'loose'"):
        resolve({"practices": "loose"}, environ={})


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


def _role_with(sid: str, **changed: Any) -> dict[str, Any]:
    """The measured case's role policy, the statement ``sid`` with ``changed`` elements."""
    role = measured_documents()[ROLE_POLICY_FILE]
    for statement in role["Statement"]:
        if statement.get("Sid") == sid:
            statement.update(changed)
    return role


def test_a_failures_hint_names_the_lint_of_its_statement() -> None:
    i18n.set_language("ja")
    role = _role_with("ForS32OpenGet", Action=["s3:GetObjects"])
    request = ("s3:GetObject", "arn:aws:s3:::handson-s3-2-x/open/handson-sample.txt", False)
    said = hint_with_lint(hint, ROLE_POLICY_FILE, [role], *request)
    assert "ForS32OpenGet" in said
    assert "s3:GetObjects というアクションはありません。s3:GetObject のことですか？" in said
    # Another action's failure is not told about this statement's typo.
    other = hint_with_lint(hint, ROLE_POLICY_FILE, [role], "s3:PutObject", request[1], False)
    assert "s3:GetObjects" not in other


def test_a_hint_on_a_statements_resource_stays_one_with_the_lints_note() -> None:
    """With the lint's note of its statement, a hint about ForS32OpenGet's Resource still
    names that statement, which handson.intended reads (a hint to widen a statement the hands-on
    keeps from the call is replaced there)."""
    i18n.set_language("en")
    condition = {"StringLike": {"s3:prefix": "open/*"}}  # no key of s3:GetObject
    role = _role_with(
        "ForS32OpenGet", Resource=["arn:aws:s3:::handson-s3-2-x/open"], Condition=condition
    )
    request = ("s3:GetObject", "arn:aws:s3:::handson-s3-2-x/open/handson-sample.txt", False)
    said = hint_with_lint(hint, ROLE_POLICY_FILE, [role], *request)
    assert isinstance(said, ResourceHint) and said.label == "ForS32OpenGet", repr(said)
    assert said.startswith("ForS32OpenGet's Resource does not cover") and "s3:prefix" in said


def test_a_hint_on_a_statements_resource_is_not_said_twice() -> None:
    """ForS31 on the bucket's ARN alone: the hint's /* says it; the lint's "no resource type of
    s3:PutObject" of the same Resource would say it again, with ARN templates."""
    role = _role_with("ForS31", Resource=["arn:aws:s3:::handson-s3-1-x"])
    request = ("s3:PutObject", "arn:aws:s3:::handson-s3-1-x/test.txt", False)
    said = hint_with_lint(hint, ROLE_POLICY_FILE, [role], *request)
    assert said == (
        "ForS31's Resource does not cover arn:aws:s3:::handson-s3-1-x/test.txt (now "
        "arn:aws:s3:::handson-s3-1-x); to take in the objects under it, end it with /*: "
        "arn:aws:s3:::handson-s3-1-x/*"
    )
    # The lessons' lint still says it, of the object type alone, as the ARN is written.
    found = lint.lint(ROLE_POLICY_FILE, role, Principal.ROLE)
    mismatch = next(f for f in found if f.kind is Kind.RESOURCE_MISMATCH)
    assert mismatch.fields["types"] == "object (arn:aws:s3:::${BucketName}/${ObjectName})"


def test_a_failures_hint_is_told_only_the_lint_that_may_explain_it() -> None:
    """A lint note is added to a failure it may be why of: ForS31 on bucket 1's ARN alone
    allows no s3:GetObject, which explains neither R6 (bucket 2's close/ allowed by a
    ForS32OpenGet widened to the bucket) nor R4 (bucket 2's open/ denied); it does explain R2's
    download. A misspelled action in a Deny statement denies less: that explains an allowance."""
    i18n.set_language("en")
    role = _role_with("ForS31", Resource=["arn:aws:s3:::handson-s3-1-x"])
    for statement in role["Statement"]:
        if statement.get("Sid") == "ForS32OpenGet":
            statement["Resource"] = ["arn:aws:s3:::handson-s3-2-x/*"]
    r6 = ("s3:GetObject", "arn:aws:s3:::handson-s3-2-x/close/handson-sample.txt", True)
    said = hint_with_lint(hint, ROLE_POLICY_FILE, [role], *r6)
    assert said.startswith("ForS32OpenGet allows s3:GetObject on arn:aws:s3:::handson-s3-2-x/*")
    assert "ForS31" not in said, said
    r4 = ("s3:GetObject", "arn:aws:s3:::handson-s3-2-x/open/handson-sample.txt", False)
    widened = _role_with("ForS32OpenGet", Resource=["arn:aws:s3:::handson-s3-2-x/close/*"])
    widened["Statement"][0]["Resource"] = ["arn:aws:s3:::handson-s3-1-x"]
    assert "ForS31:" not in hint_with_lint(hint, ROLE_POLICY_FILE, [widened], *r4)
    # R2's download from bucket 1, with the upload's hint on another statement: told.
    r2 = ("s3:GetObject", "arn:aws:s3:::handson-s3-1-x/test.txt", False)
    assert "/${ObjectName}" not in hint_with_lint(hint, ROLE_POLICY_FILE, [role], *r2)
    assert any("ForS31: s3:GetObject" in note for note in lint_notes(ROLE_POLICY_FILE, [role], *r2))
    assert lint_notes(ROLE_POLICY_FILE, [role], *r6) == []
    deny = {
        "Effect": "Deny",
        "Action": ["s3:DeleteBuckett"],
        "Resource": ["arn:aws:s3:::handson-s3-1-x"],
    }
    guarded = _role_with("ForS31")
    guarded["Statement"].append({"Sid": "KeepBucket", **deny})
    r3 = ("s3:DeleteBucket", "arn:aws:s3:::handson-s3-1-x", True)
    assert "KeepBucket: there is no action s3:DeleteBuckett" in hint_with_lint(
        hint, ROLE_POLICY_FILE, [guarded], *r3
    )
    assert lint_notes(ROLE_POLICY_FILE, [guarded], r3[0], r3[1], False) == []


def test_a_policy_found_by_hand_is_named_in_the_hint_and_its_lint() -> None:
    """In an environment built by hand, each policy is given under its own name: the hint and
    the lint name the statement in it (``handson-iam-role-policy / ForS32OpenGet``), and a
    note on a Resource the hint has spoken of is still not said twice."""
    i18n.set_language("en")
    typo = _role_with("ForS32OpenGet", Action=["s3:GetObjects"])
    request = ("s3:GetObject", "arn:aws:s3:::handson-s3-2-x/open/handson-sample.txt", False)
    found = [NamedPolicy("handson-iam-role-policy", typo)]
    said = hint_with_lint(hint, ROLE_POLICY_FILE, found, *request)
    assert said.startswith("handson-iam-role-policy / ForS31's Resource"), said
    assert "handson-iam-role-policy / ForS32OpenGet: there is no action s3:GetObjects" in said
    bucket_only = _role_with("ForS31", Resource=["arn:aws:s3:::handson-s3-1-x"])
    found = [NamedPolicy("extra", {"Statement": []}), NamedPolicy("mine", bucket_only)]
    request = ("s3:PutObject", "arn:aws:s3:::handson-s3-1-x/test.txt", False)
    said = hint_with_lint(hint, ROLE_POLICY_FILE, found, *request)
    assert said.startswith("mine / ForS31's Resource does not cover"), said
    assert "/${ObjectName}" not in said  # the lint's note of the same Resource: not again


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


def test_the_lessons_measure_where_the_target_says_the_run_builds() -> None:
    """P1 and P2 are measured in the account the target's preflight read (the learner's, on AWS
    and for an environment built by hand; the emulator's offline) and in the run's region."""
    from types import SimpleNamespace
    from typing import cast

    from fixtures.practices import run_site
    from handson.environment import AS_THE_HANDS_ON, Built
    from handson.names import AUTO_TYPE, INSTANCE_TYPE
    from handson.permissions import Site
    from handson.settings import AWS_SESSION
    from handson.targets.account import Account
    from handson.targets.emulator import first_instance_id
    from handson.targets.emulator_server import DEFAULT_ACCOUNT_ID

    def settings(
        built: Built = AS_THE_HANDS_ON,
        emulator_url: str | None = None,
        instance_type: str = INSTANCE_TYPE,
    ) -> Any:
        names = SimpleNamespace(run_id="20261206-114500-abc123")
        return cast(
            Any,
            SimpleNamespace(
                region="eu-west-3",
                built=built,
                emulated=True,
                emulator_url=emulator_url,
                names=names,
                instance_type=instance_type,
            ),
        )

    mine = Account("111122223333", None, "arn:aws:iam::111122223333:user/me")

    def config(on_aws: Any = None) -> Any:
        stash = pytest.Stash()
        if on_aws is not None:
            stash[AWS_SESSION] = on_aws
        return SimpleNamespace(stash=stash)

    # The run's own emulator: the instance it will launch first (handson.targets.emulator), so that
    # a lesson names the instance the failure blocks name; an attached one: a sample instance.
    own = run_site(config(), settings())
    first = first_instance_id(settings())
    assert first is not None  # the run's own emulator: it says which instance comes first
    assert own == Site(DEFAULT_ACCOUNT_ID, "eu-west-3", first)
    attached = settings(emulator_url="http://127.0.0.1:5000")
    assert run_site(config(), attached) == Site(DEFAULT_ACCOUNT_ID, "eu-west-3")
    assert run_site(config((None, mine)), settings()) == Site("111122223333", "eu-west-3")
    built = settings(Built(account_id="111122223333", instance_id="i-0abc"))
    assert run_site(config(), built) == Site("111122223333", "eu-west-3", "i-0abc")
    without = settings(Built(account_id="111122223333"))
    assert run_site(config(), without) == Site("111122223333", "eu-west-3")
    # The instance's type: a replay's is the learner's; on AWS, where the account may choose
    # it (auto), the hands-on's.
    theirs = settings(Built(account_id="111122223333"), instance_type="t3.micro")
    assert run_site(config(), theirs).instance_type == "t3.micro"
    auto = settings(instance_type=AUTO_TYPE)
    assert run_site(config((None, mine)), auto).instance_type == INSTANCE_TYPE == "t2.micro"


def test_the_first_instance_of_the_runs_own_emulator_is_known_before_it_is_launched() -> None:
    """moto's form, the same for the same run, another for another run; a replay's is the
    learner's; a server somebody else started takes no orders (None)."""
    import re
    from types import SimpleNamespace
    from typing import cast

    from handson.environment import AS_THE_HANDS_ON, Built
    from handson.targets.emulator import first_instance_id

    def settings(run_id: str, built: Built = AS_THE_HANDS_ON, url: str | None = None) -> Any:
        names = SimpleNamespace(run_id=run_id)
        return cast(Any, SimpleNamespace(built=built, emulator_url=url, names=names))

    first = first_instance_id(settings("20261206-114500-abc123"))
    assert first is not None and re.fullmatch(r"i-[0-9a-f]{17}", first)
    assert first_instance_id(settings("20261206-114500-abc123")) == first
    assert first_instance_id(settings("20261206-114501-def456")) != first
    replay = settings("20261206-114500-abc123", Built(account_id="1" * 12, instance_id="i-0abc"))
    assert first_instance_id(replay) == "i-0abc"
    assert first_instance_id(settings("x", url="http://127.0.0.1:5000")) is None


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
