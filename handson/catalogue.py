"""The checkpoint catalogue (CHECKPOINTS.md) as data: what each ID checks, how much a failure
matters, and where AWS documents it. Reports read it; the features carry the IDs as tags."""

from __future__ import annotations

from dataclasses import dataclass

EPIC = "30日間ハンズオン DAY1: AWS IAM"

_S3_POLICIES = (
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-policies-s3.html",
    "Amazon S3: example identity-based policies",
)
_EC2_POLICIES = (
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ExamplePolicies_EC2.html",
    "Amazon EC2: example policies",
)
_EC2_ROLES = (
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html",
    "IAM roles for Amazon EC2",
)


@dataclass(frozen=True)
class Checkpoint:
    id: str
    summary: str
    expected: str  # "allowed", "denied", or both for R8
    severity: str  # allure's: blocker, critical, normal, minor, trivial
    docs: tuple[tuple[str, str], ...]


CATALOGUE = {
    c.id: c
    for c in [
        Checkpoint(
            "U1",
            "the user can sign in to the console",
            "allowed",
            "normal",
            (
                (
                    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_admin-change-user.html",
                    "Managing passwords for IAM users",
                ),
            ),
        ),
        Checkpoint(
            "U2",
            "the user may create and delete buckets and objects",
            "allowed",
            "normal",
            (_S3_POLICIES,),
        ),
        Checkpoint("U3", "the user may start the instance", "allowed", "normal", (_EC2_POLICIES,)),
        Checkpoint(
            "U4",
            "the user may not run, stop or terminate instances",
            "denied",
            "critical",
            (_EC2_POLICIES,),
        ),
        Checkpoint(
            "U5",
            "the user may not read IAM",
            "denied",
            "critical",
            (
                (
                    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html",
                    "Policies and permissions in IAM",
                ),
            ),
        ),
        Checkpoint(
            "R1",
            "the instance is reachable with Session Manager",
            "allowed",
            "normal",
            (
                (
                    "https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-instance-permissions.html",
                    "Configure instance permissions for Systems Manager",
                ),
                _EC2_ROLES,
            ),
        ),
        Checkpoint(
            "R2",
            "the role may put, get and delete objects in bucket 1",
            "allowed",
            "normal",
            (_S3_POLICIES, _EC2_ROLES),
        ),
        Checkpoint("R3", "the role may not delete bucket 1", "denied", "critical", (_S3_POLICIES,)),
        Checkpoint(
            "R4",
            "the role may get objects under open/ in bucket 2",
            "allowed",
            "normal",
            (_S3_POLICIES,),
        ),
        Checkpoint(
            "R5",
            "the role may not put or delete under open/",
            "denied",
            "critical",
            (_S3_POLICIES,),
        ),
        Checkpoint(
            "R6",
            "the role may do nothing outside open/ in bucket 2",
            "denied",
            "critical",
            (_S3_POLICIES,),
        ),
        Checkpoint(
            "R7",
            "the role may not delete buckets or touch other resources",
            "denied",
            "critical",
            (_S3_POLICIES, _EC2_ROLES),
        ),
        Checkpoint(
            "R8",
            "the role may list bucket 2 only under open/",
            "allowed and denied",
            "critical",
            (
                (
                    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html",
                    "Amazon S3 condition keys (s3:prefix)",
                ),
            ),
        ),
    ]
}
