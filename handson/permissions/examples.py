"""The measured case of issue 18: the seed's policies with seven actions added, which P1 and P2
must name (tests/unit/test_permissions.py, scripts/benchmark_permissions.py)."""

from __future__ import annotations

import copy
from typing import Any

from handson.permissions.findings import Principal
from handson.permissions.handson_world import seed_documents
from handson.policies import ROLE_POLICY_FILE, USER_POLICY_FILE

BUCKET1 = "arn:aws:s3:::handson-s3-1-<自分の名前>"
ROLE_ADDED = [
    {
        "Sid": "BucketOnePermissions",
        "Effect": "Allow",
        "Action": ["s3:PutBucketPolicy", "s3:PutBucketAcl"],
        "Resource": BUCKET1,
    },
    {
        "Sid": "PassAndTag",
        "Effect": "Allow",
        "Action": ["iam:PassRole", "ec2:CreateTags"],
        "Resource": "*",
    },
]
USER_ADDED = [
    {
        "Sid": "KeysAndPolicies",
        "Effect": "Allow",
        "Action": ["iam:CreateAccessKey", "iam:AttachUserPolicy", "ec2:ModifyInstanceAttribute"],
        "Resource": "*",
    }
]
ADDED = {
    Principal.USER: ("iam:CreateAccessKey", "iam:AttachUserPolicy", "ec2:ModifyInstanceAttribute"),
    Principal.ROLE: ("s3:PutBucketPolicy", "s3:PutBucketAcl", "iam:PassRole", "ec2:CreateTags"),
}


def measured_documents() -> dict[str, dict[str, Any]]:
    documents = copy.deepcopy(seed_documents())
    documents[USER_POLICY_FILE]["Statement"].extend(copy.deepcopy(USER_ADDED))
    documents[ROLE_POLICY_FILE]["Statement"].extend(copy.deepcopy(ROLE_ADDED))
    return documents
