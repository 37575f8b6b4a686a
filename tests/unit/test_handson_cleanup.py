"""``handson cleanup``'s listing and refusal lines, and C1-C5 from a run's own teardown
(handson/cleanup_plan.py, handson/cleanup.py, fixtures/cleanup.py), without an account."""

from __future__ import annotations

import pytest

from fixtures.cleanup import summary, teardown_report
from handson import cleanup, i18n
from handson.cleanup_checks import instance_left, policies_left
from handson.cleanup_plan import Elsewhere, Item, Plan, changed_since
from handson.errors import SuiteUsageError
from handson.lifecycle.order import Kind
from handson.lifecycle.ownership import Leftover
from handson.settings import resolve
from tests.helpers.fakes import stubbed

PLAN = Plan(
    "123456789012",
    "taro",
    [
        Item(Kind.USER, "handson-iam-user", {
            "keys": "AKIA1", "login": "yes", "attached": "handson-iam-user-policy",
            "inline": "none", "groups": "none", "mfa": "mfa/taro-phone", "others": "APKA1",
        }),
        Item(Kind.BUCKET, "handson-s3-2-taro", {"objects": 2, "versions": 3, "markers": 1}),
        Item(Kind.BUCKET, "handson-s3-1-taro", {"objects": 0, "versions": 0, "markers": 0}),
        Item(Kind.INSTANCE, "i-0abc", {"state": "stopped", "profile": "handson-iam-role"}),
        Item(Kind.ROLE, "handson-iam-role", {
            "attached": "AmazonSSMManagedInstanceCore", "inline": "none",
            "profiles": "handson-iam-role",
        }),
        Item(Kind.PROFILE, "handson-iam-role", {"roles": "handson-iam-role"}),
        Item(Kind.POLICY, "handson-iam-user-policy", {"versions": 2, "attached": "none"}, "arn:p"),
    ],
)  # fmt: skip


def test_the_listing_is_in_the_deletion_order_with_what_each_holds() -> None:
    assert PLAN.lines() == [
        "  1. IAM policy handson-iam-user-policy: 2 version(s), attached to none",
        "  2. EC2 instance i-0abc: state stopped, instance profile handson-iam-role "
        "(will be terminated)",
        "  3. instance profile handson-iam-role: role handson-iam-role",
        "  4. IAM role handson-iam-role: attached policies AmazonSSMManagedInstanceCore, "
        "inline policies none, instance profiles handson-iam-role",
        "  5. S3 bucket handson-s3-1-taro: 0 object(s) (0 version(s), 0 delete marker(s); "
        "all deleted)",
        "  6. S3 bucket handson-s3-2-taro: 2 object(s) (3 version(s), 1 delete marker(s); "
        "all deleted)",
        "  7. IAM user handson-iam-user: access keys AKIA1, console password yes, MFA devices "
        "mfa/taro-phone, attached policies handson-iam-user-policy, inline policies none, groups "
        "none (the groups stay), other credentials APKA1 (signing certificates, SSH public keys, "
        "service-specific credentials)",
    ]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_listing_is_wrapped_under_its_text_on_a_terminal(lang: str) -> None:
    """On a terminal narrower than an item (macOS Terminal's 80 columns), the item goes on
    under its text instead of breaking wherever the terminal does; the same words."""
    i18n.set_language(lang)
    whole = PLAN.lines()
    wrapped = PLAN.lines(60)
    assert all(i18n.display_width(line) <= 60 for line in wrapped), wrapped
    assert len(wrapped) > len(whole)
    items = [line for line in wrapped if not line.startswith("     ")]
    assert [line.split(".")[0] for line in items] == [line.split(".")[0] for line in whole]
    assert "".join("".join(wrapped).split()) == "".join("".join(whole).split())  # same words


def test_the_listing_is_japanese_by_default() -> None:
    i18n.set_language("ja")
    lines = PLAN.lines()
    assert lines[1] == (
        "  2. EC2インスタンス i-0abc: 状態 stopped、"
        "インスタンスプロファイル handson-iam-role（終了します）"
    )
    assert lines[5].startswith("  6. S3バケット handson-s3-2-taro: オブジェクト 2 個")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "not deleting: more than one EC2 instance is tagged Name=handson-instance (i-1, i-2)"
               "; cannot tell which is the hands-on's"),
        ("ja", "削除しません: タグ Name=handson-instance の EC2 インスタンスが2つ以上あります"
               "（i-1, i-2）。どれがハンズオンのものか決められません"),
    ],
)  # fmt: skip
def test_a_refusal_is_one_line_and_lists_nothing(lang: str, expected: str) -> None:
    i18n.set_language(lang)
    why = i18n.t("cleanup.refuse.two_instances", tag="handson-instance", ids="i-1, i-2")
    plan = Plan("123456789012", items=PLAN.items, refusals=[why])
    said: list[str] = []
    cleanup.show(plan, said.append)
    assert said == [expected]


def test_nothing_found_is_said() -> None:
    said: list[str] = []
    cleanup.show(Plan("123456789012"), said.append)
    assert said == ["none of the hands-on's resources found: the clean-up is done"]


def test_an_instance_in_another_region_is_not_a_clean_up_done_and_is_named_with_its_command() -> (
    None
):
    """Nothing here but instances elsewhere: not "the clean-up is done"; each region once, its
    instances together, with the command for that region."""
    plan = Plan(
        "123456789012",
        elsewhere=[
            Elsewhere("us-west-2", "i-1", "running"),
            Elsewhere("us-west-2", "i-2", "stopped"),
            Elsewhere("eu-west-1", "i-3", "running"),
        ],
    )
    said: list[str] = []
    cleanup.show(plan, said.append, there=lambda region: f"<command for {region}>")
    assert said == [
        "none of the hands-on's resources found in this region",
        "another region holds an instance of the hands-on too: i-1 (running), i-2 (stopped) in"
        " us-west-2; this command does not delete it. To clean up in that region: <command for"
        " us-west-2>",
        "another region holds an instance of the hands-on too: i-3 (running) in eu-west-1; this"
        " command does not delete it. To clean up in that region: <command for eu-west-1>",
    ]


def test_yes_is_asked_on_a_terminal_only() -> None:
    assert cleanup.confirmed(True, lambda _: "no", interactive=False) is True
    assert cleanup.confirmed(False, lambda _: "yes", interactive=False) is None
    assert cleanup.confirmed(False, lambda _: " yes\n", interactive=True) is True
    assert cleanup.confirmed(False, lambda _: "y", interactive=True) is False


@pytest.mark.parametrize("answer", ["yes", "YES", "Yes ", "ｙｅｓ", "ｙｅｓ\u3000", "はい"])
def test_yes_typed_with_a_japanese_input_method_is_yes(answer: str) -> None:
    """An input method left on types ｙｅｓ in full width: the same word; or はい, as offered."""
    assert cleanup.confirmed(False, lambda _: answer, interactive=True) is True


@pytest.mark.parametrize("answer", ["y", "いぇｓ", "no", "", "yes please", "いいえ"])
def test_anything_else_deletes_nothing(answer: str) -> None:
    assert cleanup.confirmed(False, lambda _: answer, interactive=True) is False


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--yes"], "error: --yes goes with --delete"),
        (["--name", "Taro"], "error: --name 'Taro': "),
    ],
)
def test_bad_options_are_one_line_before_any_call(
    args: list[str], line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cleanup.main([*args, "--lang=en"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(line), err


def test_cleanup_needs_the_existing_target() -> None:
    with pytest.raises(SuiteUsageError, match="--cleanup goes with --target existing"):
        resolve({"cleanup": True}, environ={})
    with pytest.raises(SuiteUsageError, match="--cleanup goes with --target existing"):
        resolve({"cleanup": True, "target": "existing", "live": True}, environ={})
    assert resolve({"cleanup": True, "target": "existing"}, environ={}).cleanup


def test_the_teardown_reports_c1_to_c5_only_from_its_leak_check() -> None:
    passed = teardown_report([], "unused")
    assert [(c, outcome) for c, outcome, _ in passed] == [
        (c, "passed") for c in ("C1", "C2", "C3", "C4", "C5")
    ]
    left = teardown_report(
        [
            Leftover(Kind.INSTANCE, "i-1 (stopped)"),
            Leftover(Kind.PROFILE, "p"),
            Leftover(Kind.BUCKET, "b"),
        ],
        "",
    )
    outcomes = {c: outcome for c, outcome, _ in left}
    assert outcomes == {
        "C1": "failed", "C2": "failed", "C3": "failed", "C4": "passed", "C5": "passed"
    }  # fmt: skip
    assert left[0][2] == ["C1 left: EC2 instance i-1 (stopped)"]
    i18n.set_language("ja")  # the kind in the run's language, as the hands-on spells it
    (c2,) = teardown_report([Leftover(Kind.BUCKET, "b")], "")[1][2]
    assert "S3バケット b" in c2 and "S3 bucket" not in c2, c2
    i18n.set_language("en")
    # A teardown that did not run is never a pass.
    kept = teardown_report(None, "left in place with --keep")
    assert {outcome for _, outcome, _ in kept} == {"not checked"}
    assert kept[0][2] == [
        "C1 not checked: the instance handson-instance is terminated (left in place with --keep)"
    ]


def test_the_terminal_shows_one_line_unless_something_is_left() -> None:
    assert summary(teardown_report([], ""), "") == (
        [
            "clean-up (C1-C5): ok, this run's teardown leak check found nothing it made left "
            "(not in the checkpoint tally)"
        ],
        False,
    )
    not_run = summary(teardown_report(None, "x"), "x")
    assert not_run == (["clean-up (C1-C5): not checked (x)"], False)
    lines, section = summary(teardown_report([Leftover(Kind.USER, "u")], ""), "")
    assert section and "C4 left: IAM user u" in lines and len(lines) == 5


def test_c1_names_a_stopped_instance_as_the_console_does(japanese: None) -> None:
    """The state in the run's language, as the Japanese console shows it: 停止済み, not stopped."""
    instance = {"InstanceId": "i-0abc", "State": {"Name": "stopped", "Code": 80}}
    with stubbed("ec2") as (ec2, stub):
        stub.add_response("describe_instances", {"Reservations": [{"Instances": [instance]}]})
        left = instance_left(ec2)
    assert left == [
        "EC2インスタンス i-0abc が停止済みのまま残っています。"
        "停止していても EBS ボリュームの料金がかかります。終了してください"
    ]


def test_c5_says_why_a_policy_left_matters(japanese: None) -> None:
    """Each of C1-C5 says why what is left matters: C5 said only that the policy was there."""
    arn = "arn:aws:iam::123456789012:policy/handson-iam-user-policy"
    policy = {"PolicyName": "handson-iam-user-policy", "Arn": arn}
    version = {"VersionId": "v1", "IsDefaultVersion": True}
    with stubbed("iam") as (iam, stub):
        stub.add_response("list_policies", {"Policies": [policy]}, {"Scope": "Local"})
        stub.add_response("list_policy_versions", {"Versions": [version]}, {"PolicyArn": arn})
        left = policies_left(iam)
    assert left == [
        "IAMポリシー handson-iam-user-policy が残っています（バージョン 1 個）。"
        "使わないポリシーは、あとで誤ってアタッチされないように削除しましょう"
    ]


def test_a_plan_found_again_after_the_yes_deletes_only_what_was_confirmed() -> None:
    """Between the listing and the yes, a file put in a bucket or the policy attached to one
    more user is a change, named; an instance EC2 moved on, or an item gone, is not."""
    same = Plan(PLAN.account, PLAN.name, list(PLAN.items))
    assert changed_since(PLAN, same) == []
    moved_on = [
        Item(Kind.INSTANCE, "i-0abc", {"state": "terminated", "profile": "handson-iam-role"})
        if i.kind is Kind.INSTANCE
        else i
        for i in PLAN.items
        if i.name != "handson-s3-1-taro"
    ]
    assert changed_since(PLAN, Plan(PLAN.account, PLAN.name, moved_on)) == []
    i18n.set_language("en")
    filed = [
        Item(Kind.BUCKET, i.name, {**i.facts, "objects": 3}) if i.name == "handson-s3-2-taro" else i
        for i in PLAN.items
    ]
    assert changed_since(PLAN, Plan(PLAN.account, PLAN.name, filed)) == [
        "S3 bucket handson-s3-2-taro"
    ]
    shared = Plan(
        PLAN.account,
        PLAN.name,
        [i for i in PLAN.items if i.kind is not Kind.POLICY],
        ["IAM policy handson-iam-user-policy is attached to more than the hands-on"],
    )
    assert changed_since(PLAN, shared) == ["IAM policy handson-iam-user-policy"]
    new = Plan(PLAN.account, PLAN.name, [*PLAN.items, Item(Kind.USER, "handson-iam-user-2")])
    assert changed_since(PLAN, new) == ["IAM user handson-iam-user-2"]
