"""Designs whose checks are not all decided: a policy variable the engine does not substitute,
a condition on the school's network, a trust of every account. A run must not look
like a full pass (tests/test_mutations.py's undecided runs)."""

from __future__ import annotations

from typing import Any

from handson.policies import ROLE_POLICY_FILE, TRUST_POLICY_FILE, USER_POLICY_FILE
from tests.helpers.design_edits import Documents, Mutation, add_statement


def _trust_every_account(docs: Documents) -> None:
    docs[TRUST_POLICY_FILE]["Statement"][0]["Principal"] = {"AWS": "*"}


# A statement the engine cannot decide (a policy variable): the role's GetObject checks are
# skipped with a reason, so the run must not look like a full pass.
_HOME_FOLDERS = add_statement(
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
