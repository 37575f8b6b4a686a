"""Broken designs: the seed policies with one deliberate mistake each, and where the suite must
catch it. Each entry changes a copy of the seed documents in place."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handson.policies import ROLE_POLICY_FILE, SEED_DIR, TRUST_POLICY_FILE, USER_POLICY_FILE

Documents = dict[str, dict[str, Any]]
ALL_ROLE_CHECKPOINTS = frozenset({"R1", "R2", "R3", "R4", "R5", "R6", "R7"})


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


@dataclass(frozen=True)
class Mutation:
    name: str
    why: str
    change: Callable[[Documents], None]
    fails: frozenset[str]  # the checkpoints whose scenarios must fail, and no others

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
        "trust-wrong-service",
        "the role trusts Lambda instead of EC2",
        _trust_lambda,
        ALL_ROLE_CHECKPOINTS | {"R8"},
    ),
]
