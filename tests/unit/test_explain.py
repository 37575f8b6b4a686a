"""A failing check names the policy statements that decide it, from the documents alone."""

from __future__ import annotations

from handson import i18n
from handson.findings import Finding
from handson.iam_engine import Statement
from handson.names import RunNames
from handson.policies import load_policy_set
from handson.policy_match import deciding, describe, explain
from handson.probes import Answer, Checker, Probe, ProbeFailed, ProbeResult, verify
from handson.report import failure_block, failure_blocks
from handson.results import Category, ScenarioResult
from handson.results import Outcome as ResultOutcome
from handson.verdict import Outcome, Verdict, classify_api_error

NAMES = RunNames("abc")
ROLE = [load_policy_set().role.document(NAMES.render)]
USER = [load_policy_set().user.document(NAMES.render)]


def test_unexpected_allow_names_the_allowing_statement() -> None:
    text = explain(USER, "ec2:StopInstances", "*", observed_allowed=True)
    assert text.startswith("no statement of these policies allows ec2:StopInstances")
    widened = [
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "ForEC2", "Effect": "Allow", "Action": ["ec2:*"], "Resource": ["*"]}
            ],
        }
    ]
    text = explain(widened, "ec2:StopInstances", "*", observed_allowed=True)
    # As written in the policy file: JSON, not Python's ['ec2:*'].
    assert text == 'allowed by:\n  Allow statement ForEC2: Action ["ec2:*"] on Resource ["*"]'


def test_a_not_action_or_not_resource_statement_is_named_as_written() -> None:
    """A Deny with NotAction was shown as 'Action [...]': the very actions it leaves alone, read
    as the ones it denies."""
    fenced = [
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "ForS3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {
                    "Sid": "OnlyEC2Reads",
                    "Effect": "Deny",
                    "NotAction": ["ec2:Describe*"],
                    "Resource": "*",
                },
                {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::mine/*"]},
            ],
        }
    ]
    text = explain(fenced, "ec2:RunInstances", "*", observed_allowed=False)
    assert (
        'Deny statement OnlyEC2Reads: NotAction ["ec2:Describe*"] (everything but these) on '
        in (text)
    ), text
    assert 'Resource "*"' in text and ": Action" not in text
    mine_only = [{**fenced[0], "Statement": fenced[0]["Statement"][::2]}]
    text = explain(mine_only, "s3:GetObject", "arn:aws:s3:::theirs/x", observed_allowed=False)
    assert 'Action "s3:*" on NotResource ["arn:aws:s3:::mine/*"] (everything but these)' in text
    i18n.set_language("ja")
    try:
        text = explain(fenced, "ec2:RunInstances", "*", observed_allowed=False)
    finally:
        i18n.set_language("en")
    assert 'NotAction ["ec2:Describe*"]（ここに書かれたもの以外のすべて）' in text, text


def test_unexpected_deny_says_nothing_allows_it() -> None:
    text = explain(
        ROLE, "s3:PutObject", "arn:aws:s3:::handson-s3-2-abc/open/x", observed_allowed=False
    )
    assert text == (
        "no statement of these policies allows s3:PutObject on "
        "arn:aws:s3:::handson-s3-2-abc/open/x (implicit deny)"
    )


def test_conditions_are_decided_in_the_requests_context() -> None:
    bucket2 = "arn:aws:s3:::handson-s3-2-abc"
    text = explain(ROLE, "s3:ListBucket", bucket2, True, {"s3:prefix": "open/"})
    assert text.startswith("allowed by:\n  Allow statement ForS32OpenList")
    assert 'Condition {"StringLike": {"s3:prefix": ["open/*"]}}' in text
    text = explain(ROLE, "s3:ListBucket", bucket2, False, {"s3:prefix": "close/"})
    assert text.startswith(
        "only these statements would allow it, and their Condition does not hold for this "
        'request (s3:prefix = "close/")'
    )
    assert "ForS32OpenList" in text
    text = explain(ROLE, "s3:ListBucket", bucket2, False)
    assert "(the request carries none of its keys)" in text


def test_explicit_deny_is_named() -> None:
    docs = [
        *ROLE,
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}
            ],
        },
    ]
    text = explain(
        docs, "s3:DeleteObject", "arn:aws:s3:::handson-s3-1-abc/test.txt", observed_allowed=False
    )
    assert text.startswith("denied by:\n  Deny statement NoDelete")


def test_checker_puts_the_explanation_into_the_failure() -> None:
    answers = iter([Verdict(Outcome.ALLOWED, "ok"), Verdict(Outcome.ALLOWED, "ok")])
    probe = Probe(
        "aws s3 rm s3://handson-s3-2-abc/open/x",
        "s3:DeleteObject",
        "arn:aws:s3:::handson-s3-2-abc/open/x",
        lambda: Answer(next(answers), {}),
    )
    checker = Checker(
        lambda: "role",
        propagation_budget=0,
        record=lambda r: None,
        gap=lambda a, r: None,
        explain=lambda a, r, allowed, context: explain(ROLE, a, r, allowed, context),
    )
    checker.establish_control(probe)
    result = checker.expect(probe, Outcome.DENIED)
    assert "no statement of these policies allows s3:DeleteObject" in result.explanation
    try:
        verify(result)
    except ProbeFailed as failure:
        assert failure.finding.category is Category.ALLOWED_BUT_DENIED
        assert "allowed but should be denied" not in str(failure)  # no words for allure's sake
        assert result.explanation in str(failure)
    else:
        raise AssertionError("verify should fail")


def test_the_failure_blocks_deciding_statements_are_the_engines_decision() -> None:
    """決め手: the statements the engine's decision names, carried by the probe's result; the
    explanation's words are never read back (they may say anything)."""
    bucket = "arn:aws:s3:::handson-s3-2-abc"
    # An allow no statement of these policies gives: none decides.
    assert deciding(ROLE, "s3:PutObject", f"{bucket}/open/x", True) == ()
    widened = [
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Wide", "Effect": "Allow", "Action": "s3:*", "Resource": f"{bucket}/*"}
            ],
        }
    ]
    (statement,) = deciding(widened, "s3:PutObject", f"{bucket}/open/x", True)
    assert statement.sid == "Wide"
    answer = Answer(Verdict(Outcome.ALLOWED, "rule.command_succeeded"), {})
    probe = Probe("aws s3 cp x s3://b/open/x", "s3:PutObject", f"{bucket}/open/x", lambda: answer)
    result = ProbeResult(
        "role",
        probe,
        Outcome.DENIED,
        answer,
        1,
        "allowed by:\n  no words to read",
        "",
        (statement,),
    )
    block = failure_block(["R5"], "t", Finding(Category.ALLOWED_BUT_DENIED, "x", result))
    deciding_lines = [line for line in block.splitlines() if "deciding statement" in line]
    assert deciding_lines == [f"  deciding statement: {describe(statement)}"]
    # Held back by a Condition only, for an implicit deny of an expected allow: those statements.
    held = deciding(ROLE, "s3:ListBucket", bucket, False, {"s3:prefix": "close/"})
    assert [s.sid for s in held] == ["ForS32OpenList"]


def test_a_condition_on_where_the_request_comes_from_is_hinted_as_such() -> None:
    """On AWS a request from outside the school's network is denied: the hint says the
    condition is decided by where the request comes from, not that the request lacks the key."""
    from handson.policy_match import hint
    from tests.helpers.undecided_designs import school_policy

    school = school_policy("FromSchool", "s3:*")
    said = hint([school], "s3:CreateBucket", "arn:aws:s3:::b", False)
    assert said.startswith("FromSchool's Condition "), said
    assert "depends on where the request comes from (aws:SourceIp)" in said
    assert "carries none" not in said and "does not hold for this request" not in said


def test_a_condition_on_the_instances_own_keys_is_hinted_on_its_arn() -> None:
    """U3 denied by a statement held to a type of instance: the check names the instance's ARN
    (user_actions.instance_arn), so the hint names that statement's Condition, not another
    statement that lacks the action; and it does not say the request carries none of its keys,
    which AWS takes from the instance itself."""
    from types import SimpleNamespace
    from typing import Any, cast

    import boto3

    from handson.policy_match import hint
    from handson.user_actions import instance_arn, start_instance

    typed = {"StringEquals": {"ec2:InstanceType": "t3.micro"}}
    policy = {
        "Statement": [
            {"Sid": "See", "Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"},
            {
                "Sid": "Start",
                "Effect": "Allow",
                "Action": "ec2:StartInstances",
                "Resource": "arn:aws:ec2:*:*:instance/*",
                "Condition": typed,
            },
        ]
    }

    def client(service: str) -> Any:  # made offline: nothing is sent
        return boto3.client(
            service, region_name="ap-northeast-1", aws_access_key_id="a", aws_secret_access_key="b"
        )

    user = cast(Any, SimpleNamespace(region="ap-northeast-1", client=client))
    env = cast(Any, SimpleNamespace(user_arn="arn:aws:iam::111122223333:user/u", instance_id="i-1"))
    arn = instance_arn(user, env)
    assert arn == "arn:aws:ec2:ap-northeast-1:111122223333:instance/i-1"
    assert start_instance(user, env).resource == arn
    said = hint([policy], "ec2:StartInstances", arn, False)
    assert said == (
        'Start\'s Condition {"StringEquals": {"ec2:InstanceType": "t3.micro"}} does not hold for '
        "this request (ec2:InstanceType, which AWS takes from the resource acted on: compare "
        "with the resource's own values)"
    ), said


def _role_with(sid: str, resources: list[str]) -> list[dict[str, object]]:
    statement = {"Sid": sid, "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": resources}
    return [{"Version": "2012-10-17", "Statement": [statement]}]


def test_a_folder_without_its_slash_star_is_told_to_end_with_it() -> None:
    """The hands-on's commonest slip (README's example): '.../open' where '.../open/*' was meant,
    or the bucket itself for its objects. The hint gives the Resource that would do."""
    from handson.policy_match import hint

    bucket = "arn:aws:s3:::handson-s3-2-abc"
    wanted = f"{bucket}/open/a.txt"
    for written, fixed in (
        (f"{bucket}/open", f"{bucket}/open/*"),
        (f"{bucket}/open/", f"{bucket}/open/*"),
        (bucket, f"{bucket}/*"),
    ):
        said = hint(_role_with("ForS32OpenGet", [written]), "s3:GetObject", wanted, False)
        assert said == (
            f"ForS32OpenGet's Resource does not cover {wanted} (now {written}); to take in the "
            f"objects under it, end it with /*: {fixed}"
        ), said


def test_a_resource_that_would_not_cover_even_with_slash_star_gets_no_such_advice() -> None:
    from handson.policy_match import hint

    written = "arn:aws:s3:::handson-s3-2-abc/close"
    said = hint(
        _role_with("ForS32OpenGet", [written]),
        "s3:GetObject",
        "arn:aws:s3:::handson-s3-2-abc/open/a.txt",
        False,
    )
    assert said.startswith("ForS32OpenGet's Resource does not cover") and "/*" not in said, said


def test_of_statements_as_near_by_their_bucket_the_one_for_the_same_folder_is_named() -> None:
    """ForS32OpenGet written with bucket 1's ARN (the two buckets differ in one digit, a
    copy-and-paste slip): ForS31 on bucket 1 came as near by the start of its ARN and, first in
    the file, was the one named. The statement for open/ is."""
    from handson.policy_match import hint

    one, two = "arn:aws:s3:::handson-s3-1-abc", "arn:aws:s3:::handson-s3-2-abc"
    statements = [
        {
            "Sid": "ForS31",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": [one, f"{one}/*"],
        },
        {
            "Sid": "ForS32OpenGet",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": f"{one}/open/*",
        },
    ]
    wanted = f"{two}/open/a.txt"
    said = hint([{"Version": "2012-10-17", "Statement": statements}], "s3:GetObject", wanted, False)
    assert said == (f"ForS32OpenGet's Resource does not cover {wanted} (now {one}/open/*)"), said


def test_a_space_in_the_resource_is_named_not_the_slash_star() -> None:
    """'.../* ' copied with a space, or 'arn:aws:s3::: bucket': the hint names the space (the
    /* hint would tell the learner to add what is already there)."""
    from handson.policy_match import hint

    bucket = "arn:aws:s3:::handson-s3-1-abc"
    wanted = f"{bucket}/test.txt"
    for written in (f"{bucket}/* ", "arn:aws:s3::: handson-s3-1-abc/*", f"{bucket}/\t*"):
        said = hint(_role_with("ForS31", [bucket, written]), "s3:GetObject", wanted, False)
        assert said == (
            f'ForS31\'s Resource "{written}" has a space in it, which no ARN has, so it does not '
            f'match {wanted}: remove it ("{bucket}/*")'
        ), said
    # The bucket's listing, where another statement names a bucket too: the spaced one is named.
    spaced = "arn:aws:s3::: handson-s3-1-abc"
    listing = [
        {"Sid": "ForS31", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": spaced},
        {"Sid": "ForS32", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"{bucket}2"},
    ]
    said = hint([{"Version": "2012-10-17", "Statement": listing}], "s3:ListBucket", bucket, False)
    assert said.startswith(f'ForS31\'s Resource "{spaced}" has a space in it'), said


def test_a_listing_allowed_for_want_of_a_condition_is_told_so() -> None:
    """ForS32OpenList without its Condition lets the role list all of bucket 2: the hint names
    the missing Condition and the request's keys, not the Action (which is right)."""
    from handson.policy_match import hint

    bucket2 = "arn:aws:s3:::handson-s3-2-abc"
    statement = {"Sid": "ForS32OpenList", "Effect": "Allow", "Action": ["s3:ListBucket"]}
    unconditioned = [{"Version": "2012-10-17", "Statement": [{**statement, "Resource": bucket2}]}]
    said = hint(unconditioned, "s3:ListBucket", bucket2, True, {"s3:prefix": "close/"})
    assert said == (
        "ForS32OpenList has no Condition, so s3:ListBucket is allowed for any request (this one "
        'has s3:prefix = "close/"); to narrow it, add a Condition on these keys'
    )
    # A request with no keys to narrow on: the Action is what allows it.
    said = hint(unconditioned, "s3:ListBucket", bucket2, True)
    assert said == "ForS32OpenList's Action includes s3:ListBucket"


def _wrong_allow(
    checkpoint: str, call: str, action: str, statements: tuple[Statement, ...]
) -> ScenarioResult:
    answer = Answer(Verdict(Outcome.ALLOWED, "rule.command_succeeded"), {})
    probe = Probe(call, action, "arn:aws:s3:::b/x", lambda: answer)
    result = ProbeResult("role", probe, Outcome.DENIED, answer, 1, "", "", statements)
    finding = Finding(Category.ALLOWED_BUT_DENIED, "x", result, f"hint of {action}")
    return ScenarioResult(f"n::{call}", (checkpoint,), "t", ResultOutcome.FAILED, "", finding)


def test_wrong_allows_of_the_same_statements_are_one_block() -> None:
    """s3:* on * lets through a dozen probes of five checkpoints: one block, what else it let
    through listed under it, one line each; another statement's wrong allow is a block of its
    own."""
    (wide,) = deciding(
        [
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        ],
        "s3:DeleteBucket",
        "arn:aws:s3:::b",
        True,
    )
    other = Statement("policy 2", "Other", "Allow", {"Action": "s3:GetObject"})
    failures = [
        _wrong_allow("R3", "aws s3 rb s3://b", "s3:DeleteBucket", (wide,)),
        _wrong_allow("R5", "aws s3 rm s3://b/open/x", "s3:DeleteObject", (wide,)),
        _wrong_allow("R6", "aws s3 cp s3://b/close/x x", "s3:GetObject", (other,)),
        _wrong_allow("R6", "aws s3 rm s3://b/close/x", "s3:DeleteObject", (wide,)),
    ]
    lines = failure_blocks(failures)
    assert [line for line in lines if not line.startswith(" ")] == ["R3 t", "R6 t"]
    assert lines[lines.index("  hint: hint of s3:DeleteBucket") + 1 :][:3] == [
        "  allowed by the same statements (2 more):",
        "    R5 aws s3 rm s3://b/open/x",
        "    R6 aws s3 rm s3://b/close/x",
    ]


def _denied_allow(
    checkpoint: str, outcome: ResultOutcome, category: Category, headline: str
) -> ScenarioResult:
    verdict = classify_api_error("UnauthorizedOperation")
    answer = Answer(verdict, {})
    call = "ec2.start_instances(InstanceIds=['i-1'], DryRun=True)"
    probe = Probe(call, "ec2:StartInstances", "arn:aws:ec2:r:1:instance/i-1", lambda: answer)
    result = ProbeResult("user", probe, Outcome.ALLOWED, answer, 3, "", "no StartInstances", ())
    finding = Finding(category, headline, result, "ForEC2's Action lacks ec2:StartInstances")
    return ScenarioResult(f"n::{checkpoint}", (checkpoint,), "t", outcome, "", finding)


def test_a_control_denied_as_a_checks_own_call_is_that_checks_block() -> None:
    """U3's start, denied, is the user's positive control too: U4 and U5 are not decided for
    the cause U3 failed for. One block, U3's (the check's own verdict), and the others said as
    the same cause, whichever comes first."""
    precondition = "precondition not met: the positive control ... did not pass"
    not_met = (ResultOutcome.PRECONDITION_NOT_MET, Category.PRECONDITION, precondition)
    failures = [
        _denied_allow("U4", *not_met),
        _denied_allow("U3", ResultOutcome.FAILED, Category.DENIED_BUT_ALLOWED, "x"),
        _denied_allow("U5", *not_met),
    ]
    lines = failure_blocks(failures)
    assert [line for line in lines if not line.startswith(" ")] == ["U3 t"]
    assert lines[-1] == "  same cause: U4, U5"
    assert not any(line.startswith("  precondition not met") for line in lines), lines


def test_a_placeholder_left_in_an_arn_is_told_to_be_the_name() -> None:
    """A policy found in an account with the hands-on's <自分の名前> left in it: AWS compares it
    as written. The hint names the ARN and gives it with the name of the bucket asked for."""
    from handson.names import PLACEHOLDER, placeholder_filled
    from handson.policy_match import hint

    written = f"arn:aws:s3:::handson-s3-2-{PLACEHOLDER}/open/*"
    wanted = "arn:aws:s3:::handson-s3-2-taro/open/memo.txt"
    said = hint(_role_with("ForS32OpenGet", [written]), "s3:GetObject", wanted, False)
    assert said == (
        f"ForS32OpenGet's Resource \"{written}\" still holds the hands-on's <自分の名前>, which "
        f"AWS compares as written, so it does not match {wanted}: write your name in its place "
        '("arn:aws:s3:::handson-s3-2-taro/open/*")'
    ), said
    # Filled, it must cover what was asked: bucket 1's placeholder says nothing of bucket 2.
    other = f"arn:aws:s3:::handson-s3-1-{PLACEHOLDER}/*"
    said = hint(_role_with("ForS31", [other]), "s3:GetObject", wanted, False)
    assert PLACEHOLDER + ", which" not in said and "does not cover" in said, said
    assert placeholder_filled(other, "arn:aws:s3:::handson-s3-1-taro") == (
        "arn:aws:s3:::handson-s3-1-taro/*"
    )
    assert placeholder_filled("arn:aws:s3:::handson-s3-1-taro/*", wanted) is None
