"""Broken designs: the seed policies with one deliberate mistake each, and where the suite must
catch it. Each entry changes a copy of the seed documents in place."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handson.catalogue import of_family
from handson.policies import ROLE_POLICY_FILE, SEED_DIR, TRUST_POLICY_FILE, USER_POLICY_FILE
from handson.settings import DEFAULT_REGION
from handson.targets.emulator_server import DEFAULT_ACCOUNT_ID

Documents = dict[str, dict[str, Any]]
ALL_ROLE_CHECKPOINTS = of_family("role")  # every checkpoint run as the role (R1-R8)


def _statement(doc: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in doc["Statement"] if s.get("Sid") == sid)


def _add_actions(file: str, sid: str, *actions: str) -> Callable[[Documents], None]:
    def change(docs: Documents) -> None:
        _statement(docs[file], sid)["Action"].extend(actions)

    return change


def _set(file: str, sid: str, key: str, value: Any) -> Callable[[Documents], None]:
    def change(docs: Documents) -> None:
        _statement(docs[file], sid)[key] = value

    return change


def _remove_action(file: str, sid: str, action: str) -> Callable[[Documents], None]:
    def change(docs: Documents) -> None:
        _statement(docs[file], sid)["Action"].remove(action)

    return change


def _add_statement(file: str, statement: dict[str, Any]) -> Callable[[Documents], None]:
    def change(docs: Documents) -> None:
        docs[file]["Statement"].append(statement)

    return change


def _drop_condition(docs: Documents) -> None:
    del _statement(docs[ROLE_POLICY_FILE], "ForS32OpenList")["Condition"]


def _trust_lambda(docs: Documents) -> None:
    docs[TRUST_POLICY_FILE]["Statement"][0]["Principal"] = {"Service": "lambda.amazonaws.com"}


def _trust_every_account(docs: Documents) -> None:
    docs[TRUST_POLICY_FILE]["Statement"][0]["Principal"] = {"AWS": "*"}


@dataclass(frozen=True)
class Mutation:
    name: str
    why: str
    change: Callable[[Documents], None]
    fails: frozenset[str]  # the checkpoints whose scenarios must fail, and no others
    # For a mistake outside the policy files: the run's environment (tests/plugins/fail_injector).
    env: tuple[tuple[str, str], ...] = ()

    def write(self, directory: Path) -> Path:
        docs = {
            name: json.loads((SEED_DIR / name).read_text("utf-8"))
            for name in (USER_POLICY_FILE, ROLE_POLICY_FILE, TRUST_POLICY_FILE)
        }
        self.change(docs)
        directory.mkdir(parents=True, exist_ok=True)
        for name, doc in docs.items():
            (directory / name).write_text(json.dumps(doc, ensure_ascii=False, indent=2), "utf-8")
        return directory


def _unchanged(docs: Documents) -> None:
    pass


def _lower_case_actions(docs: Documents) -> None:
    for name in (USER_POLICY_FILE, ROLE_POLICY_FILE):
        for statement in docs[name]["Statement"]:
            statement["Action"] = [a.lower() for a in statement["Action"]]


def _start_by_name_tag(docs: Documents) -> None:
    named = {f"{prefix}:ResourceTag/Name": "handson-instance" for prefix in ("aws", "ec2")}
    ec2 = _statement(docs[USER_POLICY_FILE], "ForEC2")
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
    statements.remove(_statement(docs[USER_POLICY_FILE], "ForEC2"))
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
            # EC2's own key for the region too.
            "Condition": {
                "StringEquals": {**in_tokyo["StringEquals"], "ec2:Region": DEFAULT_REGION}
            },
        },
    ]


BUCKETS = ["arn:aws:s3:::handson-s3-1-<自分の名前>", "arn:aws:s3:::handson-s3-2-<自分の名前>"]


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


# Correct designs written differently from the seed: every checkpoint must pass.
EQUIVALENTS = [
    Mutation(
        "lower-case-actions",
        "every action name in lower case (IAM matches action names case-insensitively)",
        _lower_case_actions,
        frozenset(),
    ),
    Mutation(
        "not-resource-hardening",
        "the role also denies s3:* outside the two buckets (Deny with NotResource)",
        _add_statement(
            ROLE_POLICY_FILE,
            {
                "Sid": "OnlyTheHandsOnBuckets",
                "Effect": "Deny",
                "Action": "s3:*",
                "NotResource": [*BUCKETS, *(f"{b}/*" for b in BUCKETS)],
            },
        ),
        frozenset(),
    ),
    Mutation(
        "secure-transport-hardening",
        "both policies deny any request not sent over TLS (aws:SecureTransport false)",
        lambda docs: [
            _add_statement(
                name,
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            )(docs)
            for name in (USER_POLICY_FILE, ROLE_POLICY_FILE)
        ],
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
        "instances there (the account and region the run builds in)",
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
        _add_actions(USER_POLICY_FILE, "ForEC2", "ec2:StopInstances"),
        frozenset({"U4"}),
    ),
    Mutation(
        "user-ec2-star",
        "the user may do anything on EC2",
        _set(USER_POLICY_FILE, "ForEC2", "Action", ["ec2:*"]),
        frozenset({"U4"}),
    ),
    Mutation(
        "user-cannot-start",
        "the user lost ec2:StartInstances",
        _remove_action(USER_POLICY_FILE, "ForEC2", "ec2:StartInstances"),
        frozenset({"U3"}),
    ),
    Mutation(
        "user-without-s3",
        "the user lost its S3 statement: its positive control (listing buckets) fails too",
        lambda docs: docs[USER_POLICY_FILE]["Statement"].remove(
            _statement(docs[USER_POLICY_FILE], "ForS3")
        ),
        frozenset({"U2"}),  # U4 and U5: precondition not met, not decided
    ),
    Mutation(
        "user-reads-iam",
        "the user may list IAM",
        _add_actions(USER_POLICY_FILE, "ForEC2", "iam:List*"),
        frozenset({"U5"}),
    ),
    Mutation(
        "user-s3-no-delete",
        "the user may create and upload but not delete in S3",
        _set(
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
        _add_actions(ROLE_POLICY_FILE, "ForS32OpenGet", "s3:PutObject"),
        frozenset({"R5"}),
    ),
    Mutation(
        "role-deletes-open",
        "the role may delete under open/",
        _add_actions(ROLE_POLICY_FILE, "ForS32OpenGet", "s3:DeleteObject"),
        frozenset({"R5"}),
    ),
    Mutation(
        "role-reads-whole-bucket2",
        "bucket 2's read rule widened to the whole bucket",
        _set(
            ROLE_POLICY_FILE,
            "ForS32OpenGet",
            "Resource",
            ["arn:aws:s3:::handson-s3-2-<自分の名前>/*"],
        ),
        frozenset({"R6"}),
    ),
    Mutation(
        "role-cannot-get-bucket1",
        "the role lost s3:GetObject on bucket 1",
        _remove_action(ROLE_POLICY_FILE, "ForS31", "s3:GetObject"),
        frozenset({"R2"}),
    ),
    Mutation(
        "role-s3-star-bucket1",
        "the role may do anything to bucket 1, deleting it included",
        _set(ROLE_POLICY_FILE, "ForS31", "Action", ["s3:*"]),
        frozenset({"R3"}),
    ),
    Mutation(
        "role-lists-all-buckets",
        "the role may list every bucket",
        _add_statement(
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
        lambda docs: _statement(docs[ROLE_POLICY_FILE], "ForS32OpenList").update(
            Condition={"StringEquals": {"s3:prefix": ["open/*"]}}
        ),
        frozenset({"R8"}),
    ),
    Mutation(
        "role-lists-on-object-arn",
        "bucket 2's listing is granted on its object ARN (bucket/*), where it never applies",
        _set(ROLE_POLICY_FILE, "ForS32OpenList", "Resource", [f"{BUCKETS[1]}/*"]),
        frozenset({"R8"}),
    ),
    Mutation(
        "role-denies-ssm-channels",
        "the role denies the SSM agent's message channels (ec2messages:*, ssmmessages:*)",
        _add_statement(
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
        "the role trusts Lambda instead of EC2",
        _trust_lambda,
        ALL_ROLE_CHECKPOINTS,
    ),
]


# A statement the engine cannot decide (a policy variable): the role's GetObject checks are
# skipped with a reason, so the run must not look like a full pass.
_HOME_FOLDERS = _add_statement(
    ROLE_POLICY_FILE,
    {
        "Sid": "HomeFolder",
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::handson-s3-1-<自分の名前>/home/${aws:username}/*",
    },
)
SCHOOL_NETWORK = "203.0.113.0/24"  # nobody's network (RFC 5737)


def from_school(key: str = "aws:SourceIp") -> dict[str, Any]:
    """A Condition that holds only for requests from the school's network."""
    return {"IpAddress": {key: [SCHOOL_NETWORK]}}


def school_policy(sid: str, action: str, key: str = "aws:SourceIp") -> dict[str, Any]:
    """A policy of one statement: ``action`` on anything, from the school's network only."""
    statement = {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": "*"}
    return {"Statement": [{**statement, "Condition": from_school(key)}]}


def _mfa_required(docs: Documents) -> None:
    """The user's rights held to an MFA sign-in, as the console with an MFA device makes."""
    for statement in docs[USER_POLICY_FILE]["Statement"]:
        statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def _from_school(docs: Documents) -> None:
    """The user's rights held to a school's network: allowed only from there."""
    for statement in docs[USER_POLICY_FILE]["Statement"]:
        statement["Condition"] = from_school()


UNDECIDED = [
    Mutation(
        "undecided",
        "a policy variable the engine does not substitute leaves the role's reads undecided",
        _HOME_FOLDERS,
        frozenset(),
    ),
    Mutation(
        "undecided-allowed",
        "the same, run with --allow-undecided (HANDSON_ALLOW_UNDECIDED=1)",
        _HOME_FOLDERS,
        frozenset(),
        env=(("HANDSON_ALLOW_UNDECIDED", "1"),),
    ),
    Mutation(
        "mfa-required",
        "the user's rights held to an MFA sign-in (aws:MultiFactorAuthPresent): the checks sign "
        "with its access key, which carries none, so they are not decided on any target",
        _mfa_required,
        frozenset(),
    ),
    Mutation(
        "trust-every-account",
        'the role trusts {"AWS": "*"} alone: whether that reaches EC2 is not in AWS\'s documents, '
        "so the role's checks are not decided on the emulator (and P2 names the exposure)",
        _trust_every_account,
        frozenset(),
    ),
    Mutation(
        "from-school",
        "the user's rights held to the school's network (aws:SourceIp): where its requests come "
        "from is AWS's to see, not the emulator's, so its checks are not decided there",
        _from_school,
        frozenset(),
    ),
]
