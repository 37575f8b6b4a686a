"""Broken designs: the seed policies with one deliberate mistake each, and where the suite must
catch it; and correct designs written differently, where it must not. Each entry changes a
copy of the seed documents in place (tests/helpers/design_edits.py)."""

from __future__ import annotations

import copy

from handson.names import INSTANCE_TYPE
from handson.policies import ROLE_POLICY_FILE, TRUST_POLICY_FILE, USER_POLICY_FILE
from handson.settings import DEFAULT_REGION
from handson.targets.emulator_server import DEFAULT_ACCOUNT_ID
from scripts.hand_built import DENY_WITHOUT_MFA
from tests.helpers.design_edits import (
    Documents,
    Mutation,
    add_actions,
    add_statement,
    remove_action,
    remove_statement,
    set_element,
    statement_of,
)


def _drop_condition(docs: Documents) -> None:
    del statement_of(docs[ROLE_POLICY_FILE], "ForS32OpenList")["Condition"]


def _trust_lambda(docs: Documents) -> None:
    docs[TRUST_POLICY_FILE]["Statement"][0]["Principal"] = {"Service": "lambda.amazonaws.com"}


def _unchanged(docs: Documents) -> None:
    pass


def _lower_case_actions(docs: Documents) -> None:
    for name in (USER_POLICY_FILE, ROLE_POLICY_FILE):
        for statement in docs[name]["Statement"]:
            statement["Action"] = [a.lower() for a in statement["Action"]]


def _start_by_name_tag(docs: Documents) -> None:
    named = {f"{prefix}:ResourceTag/Name": "handson-instance" for prefix in ("aws", "ec2")}
    ec2 = statement_of(docs[USER_POLICY_FILE], "ForEC2")
    ec2["Action"] = ["ec2:DescribeInstances"]
    docs[USER_POLICY_FILE]["Statement"].append(
        {
            "Sid": "StartTheHandsOnInstance",
            "Effect": "Allow",
            "Action": "ec2:StartInstances",
            "Resource": "*",
            "Condition": {"StringEquals": named},
        }
    )


def _held_to_the_region(docs: Documents) -> None:
    in_tokyo = {"StringEquals": {"aws:RequestedRegion": DEFAULT_REGION}}
    statements = docs[USER_POLICY_FILE]["Statement"]
    statements.remove(statement_of(docs[USER_POLICY_FILE], "ForEC2"))
    statements += [
        {
            "Sid": "DescribeInTokyo",
            "Effect": "Allow",
            "Action": "ec2:DescribeInstances",
            "Resource": "*",
            "Condition": in_tokyo,
        },
        {
            "Sid": "StartInTokyo",
            "Effect": "Allow",
            "Action": "ec2:StartInstances",
            "Resource": f"arn:aws:ec2:{DEFAULT_REGION}:{DEFAULT_ACCOUNT_ID}:instance/*",
            # EC2's own key for the region too; and the hands-on's instance type alone (the
            # free tier's), a key of the instance the emulator gives as AWS does.
            "Condition": {
                "StringEquals": {
                    **in_tokyo["StringEquals"],
                    "ec2:Region": DEFAULT_REGION,
                    "ec2:InstanceType": INSTANCE_TYPE,
                }
            },
        },
    ]


BUCKETS = ["arn:aws:s3:::handson-s3-1-<自分の名前>", "arn:aws:s3:::handson-s3-2-<自分の名前>"]


def _user_without_s3_or_start(docs: Documents) -> None:
    docs[USER_POLICY_FILE]["Statement"].remove(statement_of(docs[USER_POLICY_FILE], "ForS3"))
    remove_action(USER_POLICY_FILE, "ForEC2", "ec2:StartInstances")(docs)


def _hardened_role(docs: Documents) -> None:
    add_statement(
        ROLE_POLICY_FILE,
        {
            "Sid": "OnlyTheHandsOnBuckets",
            "Effect": "Deny",
            "Action": "s3:*",
            "NotResource": [*BUCKETS, *(f"{b}/*" for b in BUCKETS)],
        },
    )(docs)
    bucket1 = docs[ROLE_POLICY_FILE]["Statement"][0]  # ForS31
    bucket1["Action"].remove("s3:ListBucket")
    bucket1["Resource"] = [r for r in bucket1["Resource"] if r.endswith("/*")]


def _other_shapes(docs: Documents) -> None:
    """The seed's grants in the other shapes a learner writes them: no Sids, one value as a
    string, the bucket's and its objects' rights in statements of their own, and bucket 2's
    limits said again as explicit Denies."""
    if TRUST_POLICY_FILE in docs:  # the lessons' measure reads the permissions only
        trust = docs[TRUST_POLICY_FILE]["Statement"][0]
        trust.update(Principal={"Service": ["ec2.amazonaws.com"]}, Action=["sts:AssumeRole"])
    role = docs[ROLE_POLICY_FILE]["Statement"]
    bucket1 = role.pop(0)
    bucket, objects = bucket1["Resource"]
    role[:0] = [
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket},
        {
            "Effect": "Allow",
            "Action": [a for a in bucket1["Action"] if a != "s3:ListBucket"],
            "Resource": objects,
        },
    ]
    role += [
        {"Effect": "Deny", "Action": "s3:*", "Resource": f"{BUCKETS[1]}/close/*"},
        {
            "Effect": "Deny",
            "Action": "s3:ListBucket",
            "Resource": BUCKETS[1],
            "Condition": {"StringNotLike": {"s3:prefix": "open/*"}},
        },
    ]
    for statement in docs[USER_POLICY_FILE]["Statement"] + role:
        statement.pop("Sid", None)
        for key in ("Action", "Resource"):
            if isinstance(statement[key], list) and len(statement[key]) == 1:
                statement[key] = statement[key][0]


def _deny_insecure_transport(docs: Documents) -> None:
    for name in (USER_POLICY_FILE, ROLE_POLICY_FILE):
        add_statement(
            name,
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        )(docs)


def _mfa_required(docs: Documents) -> None:
    """The user's rights held to an MFA sign-in, in both ways a learner finds: each grant
    conditioned on it, and AWS's sample that denies everything but managing one's own MFA device
    without it (IAM User Guide, "Allows MFA-authenticated IAM users to manage their own MFA
    device"). The console signed in with MFA is allowed what the hands-on gives."""
    for statement in docs[USER_POLICY_FILE]["Statement"]:
        statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    docs[USER_POLICY_FILE]["Statement"].append(copy.deepcopy(DENY_WITHOUT_MFA))


# Correct designs written differently from the seed: every checkpoint must pass.
EQUIVALENTS = [
    Mutation(
        "mfa-required",
        "the user's rights held to an MFA sign-in (aws:MultiFactorAuthPresent): its checks sign "
        "with a session of an MFA device the run gives it, as the console signed in with MFA",
        _mfa_required,
        frozenset(),
    ),
    Mutation(
        "lower-case-actions",
        "every action name in lower case (IAM matches action names case-insensitively)",
        _lower_case_actions,
        frozenset(),
    ),
    Mutation(
        "hardened-role",
        "the role also denies s3:* outside the two buckets (Deny with NotResource), and does "
        "without listing bucket 1, which no checkpoint does (the role's positive control is then "
        "R4's read)",
        _hardened_role,
        frozenset(),
        lessons=frozenset({("under-grant", "s3:ListBucket")}),
    ),
    Mutation(
        "secure-transport-hardening",
        "both policies deny any request not sent over TLS (aws:SecureTransport false)",
        _deny_insecure_transport,
        frozenset(),
    ),
    Mutation(
        "start-by-name-tag",
        "the user may start only the instance named handson-instance (its Name tag, under both "
        "aws:ResourceTag and ec2:ResourceTag)",
        _start_by_name_tag,
        frozenset(),
    ),
    Mutation(
        "held-to-the-region",
        "the user's EC2 rights held to the hands-on's region, and starting to the account's "
        "t2.micro instances there (the account, region and instance type the run builds)",
        _held_to_the_region,
        frozenset(),
    ),
    Mutation(
        "other-shapes",
        "the same grants without Sids, with strings for single values, bucket 1's listing and "
        "its objects in two statements, and bucket 2's limits as explicit Denies",
        _other_shapes,
        frozenset(),
    ),
]

MUTATIONS = [
    Mutation(
        "user-may-stop",
        "the user may stop instances",
        add_actions(USER_POLICY_FILE, "ForEC2", "ec2:StopInstances"),
        frozenset({"U4"}),
    ),
    Mutation(
        "user-ec2-star",
        "the user may do anything on EC2",
        set_element(USER_POLICY_FILE, "ForEC2", "Action", ["ec2:*"]),
        frozenset({"U4"}),
    ),
    Mutation(
        "user-cannot-start",
        "the user lost ec2:StartInstances",
        remove_action(USER_POLICY_FILE, "ForEC2", "ec2:StartInstances"),
        frozenset({"U3"}),
    ),
    Mutation(
        "user-cannot-list-instances",
        "the user lost ec2:DescribeInstances: the console shows no instance list to start"
        " handson-instance from",
        remove_action(USER_POLICY_FILE, "ForEC2", "ec2:DescribeInstances"),
        frozenset({"U3"}),
    ),
    Mutation(
        "user-without-s3-or-start",
        "the user lost its S3 statement and ec2:StartInstances: both of its positive controls "
        "(U3's start, the list of buckets) fail too",
        _user_without_s3_or_start,
        frozenset({"U2", "U3"}),  # U4 and U5: precondition not met, not decided
    ),
    Mutation(
        "user-reads-iam",
        "the user may list IAM",
        add_actions(USER_POLICY_FILE, "ForEC2", "iam:List*"),
        frozenset({"U5"}),
    ),
    Mutation(
        "user-s3-no-delete",
        "the user may create and upload but not delete in S3",
        set_element(
            USER_POLICY_FILE,
            "ForS3",
            "Action",
            ["s3:CreateBucket", "s3:PutObject", "s3:GetObject", "s3:List*"],
        ),
        frozenset({"U2"}),
    ),
    Mutation(
        "role-writes-open",
        "the role may upload under open/",
        add_actions(ROLE_POLICY_FILE, "ForS32OpenGet", "s3:PutObject"),
        frozenset({"R5"}),
    ),
    Mutation(
        "role-deletes-open",
        "the role may delete under open/",
        add_actions(ROLE_POLICY_FILE, "ForS32OpenGet", "s3:DeleteObject"),
        frozenset({"R5"}),
    ),
    Mutation(
        "role-reads-whole-bucket2",
        "bucket 2's read rule widened to the whole bucket",
        set_element(
            ROLE_POLICY_FILE,
            "ForS32OpenGet",
            "Resource",
            ["arn:aws:s3:::handson-s3-2-<自分の名前>/*"],
        ),
        frozenset({"R6"}),
    ),
    Mutation(
        "role-without-open-get",
        "the role's statement for bucket 2's open/ was not pasted (ForS32OpenGet left out)",
        remove_statement(ROLE_POLICY_FILE, "ForS32OpenGet"),
        frozenset({"R4"}),
    ),
    Mutation(
        "role-cannot-get-bucket1",
        "the role lost s3:GetObject on bucket 1",
        remove_action(ROLE_POLICY_FILE, "ForS31", "s3:GetObject"),
        frozenset({"R2"}),
    ),
    Mutation(
        "role-s3-star-bucket1",
        "the role may do anything to bucket 1, deleting it included",
        set_element(ROLE_POLICY_FILE, "ForS31", "Action", ["s3:*"]),
        frozenset({"R3"}),
    ),
    Mutation(
        "role-lists-all-buckets",
        "the role may list every bucket",
        add_statement(
            ROLE_POLICY_FILE,
            {"Sid": "ListAll", "Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"},
        ),
        frozenset({"R7"}),
    ),
    Mutation(
        "role-lists-bucket2-freely",
        "bucket 2's listing lost its open/ condition",
        _drop_condition,
        frozenset({"R8"}),
    ),
    Mutation(
        "role-prefix-string-equals",
        "bucket 2's listing condition uses StringEquals, so open/* is a literal prefix",
        lambda docs: statement_of(docs[ROLE_POLICY_FILE], "ForS32OpenList").update(
            Condition={"StringEquals": {"s3:prefix": ["open/*"]}}
        ),
        frozenset({"R8"}),
    ),
    Mutation(
        "role-lists-on-object-arn",
        "bucket 2's listing is granted on its object ARN (bucket/*), where it never applies",
        set_element(ROLE_POLICY_FILE, "ForS32OpenList", "Resource", [f"{BUCKETS[1]}/*"]),
        frozenset({"R8"}),
    ),
    Mutation(
        "role-denies-ssm-channels",
        "the role denies the SSM agent's message channels (ec2messages:*, ssmmessages:*)",
        add_statement(
            ROLE_POLICY_FILE,
            {
                "Sid": "NoSessions",
                "Effect": "Deny",
                "Action": ["ec2messages:*", "ssmmessages:*"],
                "Resource": "*",
            },
        ),
        frozenset({"R1"}),
    ),
    Mutation(
        "role-without-ssm-core",
        "AmazonSSMManagedInstanceCore is not attached to the role",
        _unchanged,
        frozenset({"R1"}),
        env=(("HANDSON_DETACH", "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"),),
    ),
    Mutation(
        "trust-wrong-service",
        "the role trusts Lambda instead of EC2: the instance has no role credentials, so the "
        "role's allows fail and its denials are not decided (no control can pass)",
        _trust_lambda,
        frozenset({"R1", "R2", "R4"}),
    ),
]

# Broken designs of the user and of the role made in one run each (tests/test_mutations.py):
# the two principals' checks need nothing of each other, so such a run fails exactly the two
# designs' checkpoints, each principal's its own design's. The runs that other files read as
# they are (user-ec2-star, role-writes-open, trust-wrong-service) and those whose output a test
# reads line by line stay alone.
PAIRS = (
    ("user-may-stop", "role-s3-star-bucket1"),
    ("user-reads-iam", "role-deletes-open"),
    ("user-s3-no-delete", "role-reads-whole-bucket2"),
    ("user-without-s3-or-start", "role-cannot-get-bucket1"),
    ("user-cannot-list-instances", "role-lists-all-buckets"),
)


def paired(first: Mutation, second: Mutation) -> Mutation:
    """Both designs' mistakes in one policy set, failing both designs' checkpoints."""

    def change(docs: Documents) -> None:
        first.change(docs)
        second.change(docs)

    return Mutation(
        f"{first.name}+{second.name}",
        f"{first.why}; and {second.why}",
        change,
        first.fails | second.fails,
        env=first.env + second.env,
    )


def matrix() -> list[Mutation]:
    """MUTATIONS as the matrix runs them: each pair of PAIRS in one run, the others alone."""
    by_name = {m.name: m for m in MUTATIONS}
    in_pairs = {name for pair in PAIRS for name in pair}
    alone = [m for m in MUTATIONS if m.name not in in_pairs]
    return [*alone, *(paired(by_name[user], by_name[role]) for user, role in PAIRS)]


def run_of(mutation: Mutation) -> Mutation:
    """The matrix's run that holds ``mutation``: itself, or its pair (whose ``fails`` are both
    designs')."""
    return next(m for m in matrix() if mutation.name in m.name.split("+"))
