"""A failure's hint ends with what the hands-on's own policy says of the call: "narrow its
Resource" says to what, and a missing grant shows how the hands-on writes it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from handson import i18n
from handson.iam_engine import NamedPolicy
from handson.intended import Intended, said, seed_policy, with_intended
from handson.policies import ROLE_POLICY_FILE, USER_POLICY_FILE
from handson.policy_match import HeldPolicy, ResourceHint

B1 = "arn:aws:s3:::handson-s3-1-taro"
B2 = "arn:aws:s3:::handson-s3-2-taro"
INSTANCE = "arn:aws:ec2:ap-northeast-1:123456789012:instance/i-0123456789abcdef0"


def mine(*statements: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"Version": "2012-10-17", "Statement": list(statements)}]


# A learner's statement of a Sid the hands-on does not use: what the hands-on says of the call.
OTHER_SID = mine({"Sid": "Mine", "Effect": "Allow", "Action": "*", "Resource": "*"})


def role(action: str, resource: str, allowed: bool, **context: str) -> str:
    return said(ROLE_POLICY_FILE, "taro", OTHER_SID, action, resource, allowed, context).words


def user(action: str, resource: str, allowed: bool) -> str:
    return said(USER_POLICY_FILE, "taro", OTHER_SID, action, resource, allowed).words


@pytest.fixture
def japanese() -> Iterator[None]:
    i18n.set_language("ja")
    yield
    i18n.set_language("en")


def test_a_wrong_allow_is_told_how_the_hands_on_writes_the_statement_that_allowed_it() -> None:
    """The statement the learner widened, as the hands-on writes it: the fix of every call it
    let through, which a failure's block shows once for all of them."""
    widened = mine(
        {
            "Sid": "ForS32OpenGet",
            "Effect": "Allow",
            "Action": "s3:*",
            "Resource": [B2, f"{B2}/*"],
        }
    )
    grant = (
        "The hands-on's policy has Allow statement ForS32OpenGet: "
        f'Action ["s3:GetObject"] on Resource ["{B2}/open/*"]'
    )
    for action, resource in [
        ("s3:PutObject", f"{B2}/open/handson-sample.txt"),
        ("s3:GetObject", f"{B2}/close/handson-sample.txt"),
        ("s3:DeleteBucket", B2),
    ]:
        found = said(ROLE_POLICY_FILE, "taro", widened, action, resource, True)
        assert found == Intended(grant)
    # The listing's Condition is part of it.
    listing = mine(
        {"Sid": "ForS32OpenList", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": B2}
    )
    assert said(ROLE_POLICY_FILE, "taro", listing, "s3:ListBucket", B2, True).words == (
        f'The hands-on\'s policy has Allow statement ForS32OpenList: Action ["s3:ListBucket"] on '
        f'Resource ["{B2}"], Condition {{"StringLike": {{"s3:prefix": ["open/*"]}}}}'
    )


def test_the_statement_is_told_whatever_the_hint_names() -> None:
    """ForEC2 with ec2:* on "*": the hint names the "*" of its Action, and the hands-on's
    statement still follows (its two actions are the fix)."""
    wide = mine({"Sid": "ForEC2", "Effect": "Allow", "Action": "ec2:*", "Resource": "*"})
    found = said(USER_POLICY_FILE, "taro", wide, "ec2:RunInstances", INSTANCE, True)
    assert found.words == (
        "The hands-on's policy has Allow statement ForEC2: "
        'Action ["ec2:DescribeInstances", "ec2:StartInstances"] on Resource ["*"]'
    )
    hint = "ForEC2's Action ec2:* also allows ec2:RunInstances"
    assert with_intended(hint, found) == f"{hint}. {found.words}"


def test_a_wrong_allow_is_told_how_far_the_hands_on_grants_the_action_on_that_bucket() -> None:
    # R6: ForS32OpenGet on the whole of bucket 2; the hands-on's, open/ only. ForS31's
    # s3:GetObject on bucket 1 is about another bucket, and not named.
    assert role("s3:GetObject", f"{B2}/close/handson-sample.txt", True) == (
        f"In the hands-on's policy, ForS32OpenGet allows s3:GetObject on {B2}/open/*"
    )


def test_a_wrong_allow_of_a_listing_names_the_condition_it_lacked() -> None:
    assert role("s3:ListBucket", B2, True, **{"s3:prefix": "close/"}) == (
        f"In the hands-on's policy, ForS32OpenList allows s3:ListBucket on {B2} only when its "
        'Condition {"StringLike": {"s3:prefix": ["open/*"]}} holds'
    )


def test_a_wrong_allow_the_hands_on_grants_only_elsewhere_says_not_on_this_resource() -> None:
    # R5: s3:PutObject is the hands-on's on bucket 1 alone.
    key = f"{B2}/open/handson-sample.txt"
    assert role("s3:PutObject", key, True) == (
        f"The hands-on's policy does not allow s3:PutObject on {key}"
    )


def test_a_wrong_allow_the_hands_on_never_grants_lists_what_it_grants_of_that_service() -> None:
    # U4 with ec2:*: the two actions to write instead.
    assert user("ec2:RunInstances", INSTANCE, True) == (
        "The hands-on's policy does not allow ec2:RunInstances "
        "(of ec2, it allows only ec2:DescribeInstances, ec2:StartInstances)"
    )
    # U5: nothing of IAM; R3: of S3's six grants, none is named (too many to be of use).
    assert user("iam:ListUsers", "*", True) == "The hands-on's policy does not allow iam:ListUsers"
    assert role("s3:DeleteBucket", B1, True) == (
        "The hands-on's policy does not allow s3:DeleteBucket"
    )


def test_a_wrong_deny_names_the_hands_on_statement_that_allows_the_call() -> None:
    assert role("s3:GetObject", f"{B1}/test.txt", False) == (
        f"In the hands-on's policy, ForS31 allows s3:GetObject on {B1}, {B1}/*"
    )
    assert user("s3:CreateBucket", "arn:aws:s3:::handson-scratch", False) == (
        "In the hands-on's policy, ForS3 allows s3:CreateBucket on *"
    )
    assert said(ROLE_POLICY_FILE, "taro", (), "s3:GetObject", f"{B1}/test.txt", False).patterns == (
        B1,
        f"{B1}/*",
    )


def test_nothing_is_said_where_the_hands_on_decides_the_call_as_it_was_decided() -> None:
    assert role("s3:GetObject", f"{B2}/open/handson-sample.txt", True) == ""
    assert role("s3:DeleteBucket", B1, False) == ""
    assert said("not-the-hands-ons.json", "taro", OTHER_SID, "s3:GetObject", B1, True).words == ""


def held(file: str, *others: tuple[str, dict[str, Any]], own: str = "") -> list[NamedPolicy]:
    """The policies found in a hand-built environment: the hands-on's ``file`` as the console
    names it (``own``: named otherwise), with ``others`` held besides it."""
    seed = seed_policy(file, "taro")
    assert seed is not None
    name = own or file.removesuffix(".json")
    return [NamedPolicy(name, seed.document), *(NamedPolicy(n, d) for n, d in others)]


S3_FULL = ("AmazonS3FullAccess", mine({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})[0])
ADMIN = ("AdministratorAccess", mine({"Effect": "Allow", "Action": "*", "Resource": "*"})[0])
NO_S3 = ("no-s3", mine({"Effect": "Deny", "Action": "s3:*", "Resource": "*"})[0])


def test_a_policy_held_besides_the_hands_ons_is_named_as_what_to_take_off() -> None:
    """An AWS managed policy attached besides the hands-on's: its statement cannot be narrowed;
    without it, the hands-on's decides as it should. That is the whole hint: what allowed the
    call, and the policy to take off (not its Action or Resource to narrow)."""
    extra = "The hands-on does not use AmazonS3FullAccess"
    denied_then = "taken off, the call is denied as in the hands-on"
    documents = held(ROLE_POLICY_FILE, S3_FULL)
    for action, resource in [
        ("s3:DeleteBucket", B1),
        ("s3:GetObject", f"{B2}/close/handson-sample.txt"),
        ("s3:ListBucket", B2),
    ]:
        decided = said(ROLE_POLICY_FILE, "taro", documents, action, resource, True)
        words = f"AmazonS3FullAccess / #1 allows {action}. {extra}: {denied_then}"
        assert decided == Intended(words, whole=True), action
        narrow = "AmazonS3FullAccess / #1's Action s3:* also allows it; narrow it"
        assert with_intended(narrow, decided) == words
    users = held(USER_POLICY_FILE, ADMIN)
    assert said(USER_POLICY_FILE, "taro", users, "iam:ListUsers", "*", True).words == (
        "AdministratorAccess / #1 allows iam:ListUsers. The hands-on does not use"
        f" AdministratorAccess: {denied_then}"
    )
    # A wrong deny by a Deny of its own: without it, allowed.
    key = f"{B2}/open/handson-sample.txt"
    denying = held(ROLE_POLICY_FILE, NO_S3)
    denied = said(ROLE_POLICY_FILE, "taro", denying, "s3:GetObject", key, False)
    assert denied.words == (
        "no-s3 / #1 denies s3:GetObject. The hands-on does not use no-s3:"
        " taken off, the call is allowed as in the hands-on"
    )
    # Only those that decide it are named: not another held besides that allows nothing here.
    both = held(ROLE_POLICY_FILE, S3_FULL, ("see-users", OTHER_SID[0] | {"Statement": []}))
    assert said(ROLE_POLICY_FILE, "taro", both, "s3:DeleteBucket", B1, True).words == (
        f"AmazonS3FullAccess / #1 allows s3:DeleteBucket. {extra}: {denied_then}"
    )
    # Two that allow it: both statements, both policies.
    two = held(ROLE_POLICY_FILE, S3_FULL, ADMIN)
    assert said(ROLE_POLICY_FILE, "taro", two, "s3:DeleteBucket", B1, True).words.startswith(
        "AmazonS3FullAccess / #1, AdministratorAccess / #1 allows s3:DeleteBucket."
        " The hands-on does not use AmazonS3FullAccess, AdministratorAccess:"
    )


def test_a_policy_a_group_holds_is_told_with_the_group_to_leave_or_take_it_off() -> None:
    """The user in a group that holds AdministratorAccess: the hint says which group, and the two
    ways to be rid of it (the user out of the group, or the policy off the group). Held by the
    user itself, or by two groups: as before, the policy to take off."""
    seed = held(USER_POLICY_FILE)[0]
    admins = HeldPolicy(ADMIN[0], ADMIN[1], "Admins")
    by_group = said(USER_POLICY_FILE, "taro", [seed, admins], "iam:ListUsers", "*", True)
    assert by_group == Intended(
        "AdministratorAccess / #1 allows iam:ListUsers. The hands-on does not use"
        " AdministratorAccess, which the group Admins holds: with handson-iam-user out of"
        " Admins, or AdministratorAccess taken off it, the call is denied as in the hands-on",
        whole=True,
    )
    itself = HeldPolicy(ADMIN[0], ADMIN[1])
    direct = said(USER_POLICY_FILE, "taro", [seed, itself], "iam:ListUsers", "*", True)
    assert direct.words.endswith(
        "does not use AdministratorAccess: taken off, the call is denied as in the hands-on"
    )
    other = HeldPolicy(
        "see-users", mine({"Effect": "Allow", "Action": "iam:*", "Resource": "*"})[0], "Team"
    )
    two = said(USER_POLICY_FILE, "taro", [seed, admins, other], "iam:ListUsers", "*", True)
    assert "which the group" not in two.words and two.words.startswith(
        "AdministratorAccess / #1, see-users / #1 allows iam:ListUsers."
    )


def test_a_policy_held_besides_is_not_named_where_taking_it_off_would_not_do() -> None:
    """Where the hands-on's own policy is not found under its name (it cannot be told from
    the others), or where the rest decides the call wrongly too: what the hands-on writes."""
    never = "The hands-on's policy does not allow s3:DeleteBucket"
    renamed = held(ROLE_POLICY_FILE, S3_FULL, own="my-role-policy")
    assert said(ROLE_POLICY_FILE, "taro", renamed, "s3:DeleteBucket", B1, True).words == never
    wide = [NamedPolicy("handson-iam-role-policy", S3_FULL[1]), NamedPolicy(*S3_FULL)]
    assert said(ROLE_POLICY_FILE, "taro", wide, "s3:DeleteBucket", B1, True).words == never
    # The run's own files (the emulator's), unnamed: never.
    assert said(ROLE_POLICY_FILE, "taro", [S3_FULL[1]], "s3:DeleteBucket", B1, True).words == never


def test_an_aws_managed_policy_in_place_of_the_hands_ons_is_to_take_off_not_to_narrow() -> None:
    """The role holds AmazonS3FullAccess instead of the hands-on's policy: R3's hint was to
    narrow its ``s3:*`` (from the hands-on's statements), which AWS keeps and no learner can
    edit. Now: take it off for the hands-on's policy. A policy of the learner's own in its place
    is still theirs to narrow; a wrong deny, or the hands-on's held too, as before."""
    managed = NamedPolicy(*S3_FULL, aws_managed=True)
    hint = said(ROLE_POLICY_FILE, "taro", [managed], "s3:DeleteBucket", B1, True)
    assert hint == Intended(
        "AmazonS3FullAccess / #1 allows s3:DeleteBucket. AmazonS3FullAccess is an AWS managed"
        " policy, which cannot be edited: take it off, and make and attach the hands-on's policy"
        " handson-iam-role-policy instead; the call is then denied as in the hands-on",
        whole=True,
    )
    learners = said(ROLE_POLICY_FILE, "taro", [NamedPolicy(*S3_FULL)], "s3:DeleteBucket", B1, True)
    assert learners.words == "The hands-on's policy does not allow s3:DeleteBucket"
    besides = [*held(ROLE_POLICY_FILE), managed]
    taken_off = said(ROLE_POLICY_FILE, "taro", besides, "s3:DeleteBucket", B1, True).words
    assert taken_off.endswith(
        "does not use AmazonS3FullAccess: taken off, the call is denied as in the hands-on"
    )
    # Another policy of the learner's allows it too: narrowing that one is part of the fix.
    both = [managed, NamedPolicy(*ADMIN)]
    assert (
        "AWS managed" not in said(ROLE_POLICY_FILE, "taro", both, "s3:DeleteBucket", B1, True).words
    )


def without(file: str, sid: str, rename: str = "") -> list[dict[str, Any]]:
    """The hands-on's ``file`` with the statement ``sid`` left out (or, ``rename``: named so)."""
    seed = seed_policy(file, "taro")
    assert seed is not None
    document = json.loads(json.dumps(seed.document))
    for statement in list(document["Statement"]):
        if statement["Sid"] == sid:
            if rename:
                statement["Sid"] = rename
            else:
                document["Statement"].remove(statement)
    return [document]


def test_a_statement_left_out_is_said_missing_not_another_to_widen() -> None:
    """ForS32OpenGet not pasted: the nearest statement is ForS31, whose Resource the hint would
    have widened to bucket 2 (and the role write there). The hands-on keeps ForS31 from the
    call: that hint is replaced by what is missing."""
    key = f"{B2}/open/handson-sample.txt"
    granted = f"In the hands-on's policy, ForS32OpenGet allows s3:GetObject on {B2}/open/*"
    decided = said(
        ROLE_POLICY_FILE,
        "taro",
        without(ROLE_POLICY_FILE, "ForS32OpenGet"),
        "s3:GetObject",
        key,
        False,
    )
    assert decided.words == granted
    assert decided.astray == ("ForS31", "ForS32OpenList")
    widen = ResourceHint(f"ForS31's Resource does not cover {key} (now {B1}, {B1}/*)", "ForS31")
    assert with_intended(widen, decided) == f"There is no statement ForS32OpenGet. {granted}"
    # Any other hint (no statement allows it at all) is followed by the grant, as every hint.
    assert with_intended("No statement allows it", decided) == f"No statement allows it. {granted}"
    # Found by hand, under the policy's name: the same statement, named as the console does.
    found = [NamedPolicy("handson-iam-role-policy", without(ROLE_POLICY_FILE, "ForS32OpenGet")[0])]
    by_hand = said(ROLE_POLICY_FILE, "taro", found, "s3:GetObject", key, False)
    assert by_hand.astray[0] == "handson-iam-role-policy / ForS31"


def test_a_statement_of_the_learners_own_sid_is_the_hints_to_name() -> None:
    """Named otherwise (ForS32Open): the learner has it; the hint about its Resource stays."""
    key = f"{B2}/open/handson-sample.txt"
    renamed = without(ROLE_POLICY_FILE, "ForS32OpenGet", rename="ForS32Open")
    renamed[0]["Statement"][2]["Resource"] = [f"{B2}/open"]
    decided = said(ROLE_POLICY_FILE, "taro", renamed, "s3:GetObject", key, False)
    slip = ResourceHint(f"ForS32Open's Resource does not cover {key}", "ForS32Open")
    assert with_intended(slip, decided) == f"{slip}. {decided.words}"
    assert "There is no statement" not in with_intended(slip, decided)
    # Where it is there with a slip of its own, nothing is astray: its Resource is the slip.
    slipped = without(ROLE_POLICY_FILE, "ForS32OpenGet", rename="ForS32OpenGet")
    slipped[0]["Statement"][2]["Resource"] = [f"{B2}/open"]
    assert said(ROLE_POLICY_FILE, "taro", slipped, "s3:GetObject", key, False).astray == ()


def test_the_name_is_the_runs() -> None:
    jiros = "arn:aws:s3:::handson-s3-1-jiro/x"
    assert said(ROLE_POLICY_FILE, "jiro", (), "s3:GetObject", jiros, False).patterns == (
        "arn:aws:s3:::handson-s3-1-jiro",
        "arn:aws:s3:::handson-s3-1-jiro/*",
    )
    # Taro's bucket is not jiro's: the hands-on's policy of jiro allows nothing there.
    assert said(ROLE_POLICY_FILE, "jiro", (), "s3:GetObject", f"{B1}/x", False).words == ""


def test_the_hint_is_followed_by_what_the_hands_on_says_unless_it_names_it_already() -> None:
    intended = Intended("In the hands-on's policy, X allows a on b/open/*", ("b/open/*",))
    assert with_intended("X allows a on b/*", intended) == (
        "X allows a on b/*. In the hands-on's policy, X allows a on b/open/*"
    )
    # The hint for a Resource without /* gives the hands-on's pattern as its fix already.
    assert with_intended("end it with /*: b/open/*", intended) == "end it with /*: b/open/*"
    assert with_intended("", intended) == intended.words
    # Named whole: not inside a longer one, nor as the "*" of another pattern.
    inside = "X's Resource does not cover b/open/*x"
    assert with_intended(inside, intended) == f"{inside}. {intended.words}"
    anywhere = Intended("In the hands-on's policy, ForS3 allows s3:CreateBucket on *", ("*",))
    narrowed = "ForS3's Resource does not cover arn:aws:s3:::scratch (now arn:aws:s3:::handson-*)"
    assert with_intended(narrowed, anywhere) == f"{narrowed}. {anywhere.words}"
    assert with_intended("a hint", Intended("")) == "a hint"
    # Of a call allowed too far, it is always added, whatever the hint names.
    never = Intended("The hands-on's policy does not allow a")
    assert with_intended("X's Action * also allows a", never).endswith(never.words)
    assert said(USER_POLICY_FILE, "taro", OTHER_SID, "iam:ListUsers", "*", True).patterns == ()


@pytest.mark.usefixtures("japanese")
def test_in_japanese() -> None:
    assert role("s3:GetObject", f"{B2}/close/handson-sample.txt", True) == (
        f"ハンズオンのポリシーでは、ForS32OpenGet が s3:GetObject を {B2}/open/* に許可しています"
    )
    assert user("ec2:StopInstances", INSTANCE, True) == (
        "ハンズオンのポリシーは ec2:StopInstances を許可していません"
        "（ec2 のアクションで許可しているのは ec2:DescribeInstances、ec2:StartInstances だけです）"
    )
    assert with_intended("ヒント", Intended("ハンズオンでは", ("x",))) == "ヒント。ハンズオンでは"
    documents = held(ROLE_POLICY_FILE, S3_FULL)
    assert said(ROLE_POLICY_FILE, "taro", documents, "s3:DeleteBucket", B1, True).words == (
        "AmazonS3FullAccess / #1 が s3:DeleteBucket を許可しています。"
        "AmazonS3FullAccess はハンズオンでは使わないポリシーです。"
        "外せば、ハンズオンのとおり拒否されます"
    )
    missing = without(ROLE_POLICY_FILE, "ForS32OpenGet")
    key = f"{B2}/open/handson-sample.txt"
    widen = ResourceHint("ForS31 の Resource が …", "ForS31")
    decided = said(ROLE_POLICY_FILE, "taro", missing, "s3:GetObject", key, False)
    assert with_intended(widen, decided) == (
        "ForS32OpenGet のステートメントがありません。"
        f"ハンズオンのポリシーでは、ForS32OpenGet が s3:GetObject を {B2}/open/* に許可しています"
    )
