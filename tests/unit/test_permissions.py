"""Issue 18, part 1: least privilege measured (P1 user, P2 role): the measured case, the
findings of each kind and how they read (the catalogue: test_permission_catalogue.py; the run's
account, region and network: test_permission_sites.py)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from handson import i18n
from handson.iam_engine import NamedPolicy
from handson.permissions import (
    analyse,
    analyse_documents,
    catalogue,
    effective,
    handson_world,
)
from handson.permissions.examples import ADDED, measured_documents
from handson.permissions.findings import Kind, Principal, by_access_level
from handson.permissions.handson_world import NEIGHBOUR_NAMES, seed_documents, subject
from handson.policies import ROLE_POLICY_FILE, USER_POLICY_FILE, load_policy_set
from handson.settings import DEFAULT_REGION
from handson.targets.emulator_server import DEFAULT_ACCOUNT_ID
from tests.helpers.design_edits import statement_of
from tests.helpers.mutations import EQUIVALENTS, MUTATIONS
from tests.helpers.permission_cases import (
    BUCKET2,
    NAME,
    changed,
    kinds,
    one,
    with_statements,
)


def test_the_seed_gives_no_finding() -> None:
    assert analyse(load_policy_set(), NAME) == []


def test_the_measured_case_names_each_added_action_with_its_risk() -> None:
    found = analyse_documents(measured_documents(), NAME)
    over = kinds(found, Kind.OVER_GRANT)
    assert len(over) == len(found) == 7, [f.as_dict() for f in found]
    for principal, actions in ADDED.items():
        named = {f.action for f in over if f.principal is principal}
        assert named == set(actions)
        assert {f.id for f in over if f.principal is principal} == {
            "P1" if principal is Principal.USER else "P2"
        }
    risks = {f.action: set(f.risk) for f in over}
    for escalation in ("iam:CreateAccessKey", "iam:AttachUserPolicy"):
        assert catalogue.ESCALATION in risks[escalation]
    # Steps towards it: the role may not run an instance to pass itself to, and the user may
    # start the instance but not stop it to change its user data (tests/unit/test_escalation.py).
    lacking = {f.action: f.lacking for f in over if f.lacking}
    assert lacking == {
        "iam:PassRole": ("ec2:RunInstances",),
        "ec2:ModifyInstanceAttribute": ("ec2:StopInstances",),
    }
    for step in lacking:
        assert risks[step] == {catalogue.ESCALATION_STEP}
    for exposure in ("s3:PutBucketPolicy", "s3:PutBucketAcl"):
        assert catalogue.EXPOSURE in risks[exposure]
    assert risks["ec2:CreateTags"] == set()
    tags = one(found, Kind.OVER_GRANT, "ec2:CreateTags")
    assert tags.resource.endswith(":instance/i-0123456789abcdef0")  # the hands-on's own first
    assert str(tags.statement) == "handson-iam-role-policy.json / PassAndTag"
    assert not any(f.conditional for f in found)


def test_over_grants_are_grouped_by_access_level() -> None:
    groups = by_access_level(analyse_documents(measured_documents(), NAME))
    assert list(groups) == ["Permissions management", "Write", "Tagging"]
    assert {f.action for f in groups["Permissions management"]} == {
        "iam:AttachUserPolicy",
        "s3:PutBucketPolicy",
        "s3:PutBucketAcl",
    }


def test_a_typo_names_the_nearest_action() -> None:
    documents = changed(
        lambda docs: docs[ROLE_POLICY_FILE]["Statement"][2]["Action"].append("s3:GetObjects")
    )
    finding = one(analyse_documents(documents, NAME), Kind.UNKNOWN_ACTION, "s3:GetObjects")
    assert finding.fields["nearest"] == "s3:GetObject"
    assert str(finding.statement) == "handson-iam-role-policy.json / ForS32OpenGet"
    assert "s3:GetObject" in finding.text()


def test_list_bucket_on_an_object_arn_grants_nothing() -> None:
    mutation = next(m for m in MUTATIONS if m.name == "role-lists-on-object-arn")
    found = analyse_documents(changed(mutation.change), NAME)
    mismatch = one(found, Kind.RESOURCE_MISMATCH, "s3:ListBucket")
    assert mismatch.statement is not None and mismatch.statement.statement == "ForS32OpenList"
    # And the measure sees what the role lost: listing open/ in bucket 2.
    assert one(found, Kind.UNDER_GRANT, "s3:ListBucket").resource.endswith("handson-s3-2-tanaka")


def test_get_object_on_a_bucket_arn_grants_nothing() -> None:
    statement = {
        "Sid": "GetBucket",
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": BUCKET2,
    }
    found = analyse_documents(with_statements(ROLE_POLICY_FILE, statement), NAME)
    assert one(found, Kind.RESOURCE_MISMATCH, "s3:GetObject").statement is not None
    assert "object" in one(found, Kind.RESOURCE_MISMATCH, "s3:GetObject").fields["types"]


def test_an_action_without_resource_types_on_an_arn_grants_nothing() -> None:
    statement = {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": BUCKET2}
    found = analyse_documents(with_statements(ROLE_POLICY_FILE, statement), NAME)
    finding = one(found, Kind.RESOURCE_MISMATCH, "s3:ListAllMyBuckets")
    assert finding.message == "permissions.resource_mismatch_star"
    assert finding.statement is not None and finding.statement.statement == "#4"


def test_s3_prefix_on_get_object_is_a_key_the_action_never_carries() -> None:
    statement = {
        "Sid": "OpenOnly",
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET2}/*",
        "Condition": {"StringLike": {"s3:prefix": "open/*", "aws:SourceIp": "10.0.0.0/8"}},
    }
    found = analyse_documents(with_statements(ROLE_POLICY_FILE, statement), NAME)
    keys = kinds(found, Kind.CONDITION_KEY)
    # aws: keys are supported by every action
    assert [f.fields["condition_key"] for f in keys] == ["s3:prefix"]


def test_a_wildcard_matching_nothing() -> None:
    statement = {"Effect": "Allow", "Action": ["s3:Fly*", "s3:Get*"], "Resource": "*"}
    found = analyse_documents(with_statements(USER_POLICY_FILE, statement), NAME)
    assert [f.action for f in kinds(found, Kind.WILDCARD)] == ["s3:Fly*"]


def test_administrator_access_on_the_role() -> None:
    """One finding for all of it, not one line per service (456 of them in the terminal)."""
    admin = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    role = subject(Principal.ROLE, [NamedPolicy("AdministratorAccess", admin)], NAME)
    found = effective.findings(role)
    assert not kinds(found, Kind.UNDER_GRANT)
    everything = one(found, Kind.OVER_GRANT, "*")
    assert len(kinds(found, Kind.OVER_GRANT)) == 1
    granted = set(everything.actions)
    for service in ("iam", "lambda", "ec2", "kms"):
        assert set(catalogue.actions(service).values()) and all(
            a.full in granted for a in catalogue.actions(service).values()
        ), service
    assert everything.fields["services"] > effective.SPREAD
    assert everything.fields["count"] == f"{len(granted):,}"
    assert catalogue.ESCALATION in everything.risk and catalogue.EXPOSURE in everything.risk
    # ssm: everything beyond what AmazonSSMManagedInstanceCore allows.
    assert "ssm:UpdateInstanceInformation" not in granted and "ssm:SendCommand" in granted


def test_a_statement_granting_everything_reads_as_one_line_in_japanese(japanese: None) -> None:
    admin = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    role = subject(Principal.ROLE, [NamedPolicy("AdministratorAccess", admin)], NAME)
    said = one(effective.findings(role), Kind.OVER_GRANT, "*").text()
    assert re.fullmatch(
        r"\*: AdministratorAccess / #1 が \d+ 個のサービス（iam、ec2、s3 など）の [\d,]+ 個の"
        r"アクションを許可しています。ハンズオンの意図よりずっと広い権限です",
        said,
    ), said


def test_a_few_whole_services_stay_one_finding_each() -> None:
    statement = {
        "Sid": "Three",
        "Effect": "Allow",
        "Action": ["lambda:*", "sns:*", "sqs:*"],
        "Resource": "*",
    }
    found = analyse_documents(with_statements(ROLE_POLICY_FILE, statement), NAME)
    over = [f.action for f in kinds(found, Kind.OVER_GRANT)]
    assert sorted(over) == ["lambda:*", "sns:*", "sqs:*"]


def test_a_wildcard_entry_names_the_actions_it_grants_beyond_the_hands_on() -> None:
    """``s3:*Object`` for bucket 1: the learner reads which actions it adds, not only how many;
    past three, the first three and a word that there are more."""
    documents = changed(
        lambda docs: docs[ROLE_POLICY_FILE]["Statement"][0].update(
            Action=["s3:*Object", "s3:ListBucket"]
        )
    )
    (found,) = analyse_documents(documents, NAME)
    assert (found.kind, found.action) == (Kind.OVER_GRANT, "s3:*Object")
    assert found.text() == (
        "s3:*Object: handson-iam-role-policy.json / ForS31 allows 2 actions of it"
        " (s3:ReplicateObject, s3:RestoreObject) beyond what the hands-on intends"
    )
    seed = seed_documents()[ROLE_POLICY_FILE]
    role = subject(
        Principal.ROLE, [NamedPolicy(ROLE_POLICY_FILE, seed)], NAME, ssm_core_attached=False
    )
    (channels,) = [f for f in effective.findings(role) if f.action == "ssmmessages:*"]
    assert len(channels.actions) > 3
    assert f"{len(channels.actions)} of its actions that the hands-on allows (" in channels.text()
    first = sorted(channels.actions)[:3]
    assert f"({', '.join(first)}, ...) are denied" in channels.text(), channels.text()


def test_a_user_without_describe_instances_is_under_granted() -> None:
    documents = changed(
        lambda docs: docs[USER_POLICY_FILE]["Statement"][1]["Action"].remove(
            "ec2:DescribeInstances"
        )
    )
    found = analyse_documents(documents, NAME)
    assert [(f.kind, f.action, f.principal) for f in found] == [
        (Kind.UNDER_GRANT, "ec2:DescribeInstances", Principal.USER)
    ]
    assert str(found[0].statement) == "seed: handson-iam-user-policy.json / ForEC2"
    # The learner reads the hands-on's file and Sid, not the suite's "seed: " prefix.
    assert (
        found[0].text().endswith("(the hands-on's handson-iam-user-policy.json / ForEC2 allows it)")
    ), found[0].text()


def test_not_action_over_grants_everything_it_does_not_name() -> None:
    statement = {"Sid": "AllButIam", "Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"}
    found = analyse_documents(with_statements(ROLE_POLICY_FILE, statement), NAME)
    everything = one(found, Kind.OVER_GRANT, "*")
    assert not any(a.startswith("iam:") for a in everything.actions)
    for service in ("lambda", "ec2", "sts"):
        assert any(a.startswith(f"{service}:") for a in everything.actions), service
    assert str(everything.statement) == "handson-iam-role-policy.json / AllButIam"


def test_an_over_grant_behind_a_condition_the_hands_on_never_meets_is_conditional() -> None:
    statement = {
        "Sid": "DeleteFromTheOffice",
        "Effect": "Allow",
        "Action": "s3:DeleteObject",
        "Resource": f"{BUCKET2}/*",
        "Condition": {"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}},
    }
    found = analyse_documents(with_statements(ROLE_POLICY_FILE, statement), NAME)
    finding = one(found, Kind.OVER_GRANT, "s3:DeleteObject")
    assert finding.conditional
    assert finding.condition == statement["Condition"]
    assert finding.context == {"aws:SourceIp": "198.51.100.0"}
    assert finding.message == "permissions.over_grant_conditional"


def test_a_condition_on_the_principal_keeps_its_own_value() -> None:
    # Another user's name never opens the statement: the principal's own keys are not varied.
    statement = {
        "Effect": "Allow",
        "Action": "s3:DeleteBucket",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:username": "someone-else"}},
    }
    assert analyse_documents(with_statements(USER_POLICY_FILE, statement), NAME) == []


@pytest.mark.parametrize("mutation", EQUIVALENTS, ids=lambda m: m.name)
def test_correct_designs_written_differently_give_no_finding(mutation: Any) -> None:
    """Measured where a run on the emulator builds (the run's own place, as fixtures/practices.py
    gives it): one of them is held to that account and region. None but what a design does
    without on purpose (the hardened role: the list of bucket 1, an under-grant)."""
    site = handson_world.Site(DEFAULT_ACCOUNT_ID, DEFAULT_REGION)
    found = analyse_documents(changed(mutation.change), NAME, site)
    assert {(f.kind.value, f.action) for f in found} == mutation.lessons


@pytest.mark.parametrize(
    "resource", ["arn:aws:s3:::handson-s3-2-*/open/*", "arn:aws:s3:::*/open/*"]
)
def test_a_wildcard_for_the_learners_name_reaches_another_learners_bucket(resource: str) -> None:
    """Bucket 2's read rule with the learner's name written as a wildcard, or any bucket's open/:
    every checkpoint passes (the learner's own buckets behave), but the role may read under open/
    in another learner's bucket 2 in the same account too (a class may share one), which the
    hands-on never intends. The measure tried only the learner's own resources: P2 was clear."""
    documents = changed(
        lambda docs: statement_of(docs[ROLE_POLICY_FILE], "ForS32OpenGet").update(
            Resource=[resource]
        )
    )
    (found,) = analyse_documents(documents, NAME)
    assert (found.kind, found.action) == (Kind.OVER_GRANT, "s3:GetObject"), found.as_dict()
    # Named by another learner's copy: bucket 2's, or for any bucket's open/ bucket 1's too.
    other = rf"arn:aws:s3:::handson-s3-[12]-{NEIGHBOUR_NAMES[0]}/open/handson-sample\.txt"
    assert re.fullmatch(other, found.resource), found.resource
    assert "on what another learner builds in the same account too" in found.text()
    # Bucket 1's statement so: one finding for what it allows on the other learner's bucket 1.
    documents = changed(
        lambda docs: statement_of(docs[ROLE_POLICY_FILE], "ForS31").update(
            Resource=["arn:aws:s3:::handson-s3-1-*", "arn:aws:s3:::handson-s3-1-*/*"]
        )
    )
    (found,) = analyse_documents(documents, NAME)
    assert found.actions == ("s3:DeleteObject", "s3:GetObject", "s3:ListBucket", "s3:PutObject")
    assert found.text().startswith("s3:DeleteObject, s3:GetObject, s3:ListBucket, s3:PutObject (")
    # A learner whose own name is the other learner's is measured against yet another name.
    assert analyse_documents(documents, NEIGHBOUR_NAMES[0])[0].resource.startswith(
        f"arn:aws:s3:::handson-s3-1-{NEIGHBOUR_NAMES[1]}"
    )


def test_a_folder_without_its_slash_reaches_a_file_beside_it() -> None:
    """Bucket 2's read rule written ``open*``: every checkpoint passes, but the role may read a
    file beside open/ whose name begins as the folder's (``open-plan.txt``), which ``open/*``
    does not reach. The measure tried only the hands-on's own files: P2 was clear. Now one
    finding, saying where the "/" goes."""
    documents = changed(
        lambda docs: statement_of(docs[ROLE_POLICY_FILE], "ForS32OpenGet").update(
            Resource=[f"arn:aws:s3:::handson-s3-2-{NAME}/open*"]
        )
    )
    (found,) = analyse_documents(documents, NAME)
    assert (found.kind, found.action) == (Kind.OVER_GRANT, "s3:GetObject"), found.as_dict()
    assert found.resource == f"arn:aws:s3:::handson-s3-2-{NAME}/open-handson-sample.txt"
    assert found.text().endswith(
        "on a file outside open/ whose name only begins as the folder's: beyond what the hands-on"
        " intends. Write the folder's / in Resource (open/*)"
    ), found.text()
    assert found.message == "permissions.over_grant_beside", found.message


WIDER = {
    "user-may-stop": ("ec2:StopInstances", Principal.USER),
    "user-ec2-star": ("ec2:*", Principal.USER),
    "user-reads-iam": ("iam:ListUsers", Principal.USER),
    "role-writes-open": ("s3:PutObject", Principal.ROLE),
    "role-deletes-open": ("s3:DeleteObject", Principal.ROLE),
    "role-reads-whole-bucket2": ("s3:GetObject", Principal.ROLE),
    "role-s3-star-bucket1": ("s3:DeleteBucket", Principal.ROLE),
    "role-lists-all-buckets": ("s3:ListAllMyBuckets", Principal.ROLE),
    "role-lists-bucket2-freely": ("s3:ListBucket", Principal.ROLE),
}
NARROWER = {
    "user-cannot-start": ("ec2:StartInstances", Principal.USER),
    "user-cannot-list-instances": ("ec2:DescribeInstances", Principal.USER),
    "user-without-s3-or-start": ("s3:ListAllMyBuckets", Principal.USER),
    "user-s3-no-delete": ("s3:DeleteObject", Principal.USER),
    "role-cannot-get-bucket1": ("s3:GetObject", Principal.ROLE),
    "role-prefix-string-equals": ("s3:ListBucket", Principal.ROLE),
    "role-denies-ssm-channels": ("ssmmessages:OpenControlChannel", Principal.ROLE),
}


@pytest.mark.parametrize("name", [*WIDER, *NARROWER])
def test_each_broken_design_is_measured(name: str) -> None:
    mutation = next(m for m in MUTATIONS if m.name == name)
    found = analyse_documents(changed(mutation.change), NAME)
    kind = Kind.OVER_GRANT if name in WIDER else Kind.UNDER_GRANT
    action, principal = (WIDER | NARROWER)[name]
    named = [f for f in found if f.kind is kind and f.principal is principal]
    reached = {a for f in named for a in (f.actions or (f.action,))}
    assert action in reached or action in {f.action for f in named}, [f.as_dict() for f in found]
    other = Kind.UNDER_GRANT if kind is Kind.OVER_GRANT else Kind.OVER_GRANT
    assert not kinds(found, other)


def test_every_finding_reads_in_both_languages() -> None:
    documents = with_statements(
        ROLE_POLICY_FILE,
        {"Effect": "Allow", "Action": ["s3:GetObjects", "s3:Fly*"], "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"{BUCKET2}/*"},
        {
            "Effect": "Allow",
            "Action": "s3:DeleteObject",
            "Resource": "*",
            "Condition": {"StringEquals": {"s3:prefix": "x"}},
        },
    )
    found = analyse_documents(documents, NAME)
    assert {f.kind for f in found} >= {
        Kind.UNKNOWN_ACTION,
        Kind.WILDCARD,
        Kind.RESOURCE_MISMATCH,
        Kind.CONDITION_KEY,
    }
    try:
        for language in i18n.LANGUAGES:
            i18n.set_language(language)
            for finding in found:
                assert not re.search(r"\{[a-z_]+\}", finding.text())
                json.dumps(finding.as_dict(), ensure_ascii=False)
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)
