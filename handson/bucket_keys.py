"""A KMS key of the learner's own that encrypts one of the hands-on's buckets by default, found in
a learner's account (the hands-on keeps S3's own encryption, SSE-S3).

AWS then asks KMS too: an upload there needs ``kms:GenerateDataKey`` on the key, a download of
what it encrypted ``kms:Decrypt``, allowed by the key's policy and the caller's own. The replay
makes neither the key nor its policy, so where it allowed an upload or a download on such a
bucket, AWS may deny it: the check is not decided (verdict rules 1 and 7), and says why. A
denial stands (a key only adds what must be allowed), as does every other call (a listing, a
deletion). The AWS managed key for S3 (``aws/s3``, or no key named) needs nothing of the caller
beyond S3's own permissions, and changes nothing.

Only the bucket's default is read, and it is all a check meets: the checks upload and download
files of the run's own (the replay's, or with --live the ones the run writes into the learner's
bucket 2 for R4-R6), which the default encrypts; a learner's own objects, whatever key
encrypts them, are never what a check reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from handson.bucket_policies import bucket_of, replay_lines
from handson.i18n import t
from handson.lifecycle.ownership import error_code

# What S3 asks of KMS for each call a check makes that a key changes.
NEEDS_KEY = {"s3:PutObject": "kms:GenerateDataKey", "s3:GetObject": "kms:Decrypt"}
NOT_SET = "ServerSideEncryptionConfigurationNotFoundError"  # no default (before 2023; moto)


def read_key(s3: Any, bucket: str) -> tuple[bool, str | None]:
    """Whether the bucket's default encryption could be read, and the learner's own KMS key it
    names (None: S3's own encryption, or AWS's key for S3)."""
    try:
        configuration = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    except ClientError as exc:
        return error_code(exc) == NOT_SET, None
    return True, own_key(configuration)


def own_key(configuration: Mapping[str, Any]) -> str | None:
    """The KMS key a default encryption (GetBucketEncryption's configuration) names, where it is
    not AWS's own for S3: SSE-KMS or DSSE-KMS with a key ID, ARN or alias of the learner's."""
    for rule in configuration.get("Rules", []):
        default = rule.get("ApplyServerSideEncryptionByDefault", {})
        if not str(default.get("SSEAlgorithm", "")).startswith("aws:kms"):
            continue
        key = default.get("KMSMasterKeyID")
        if key and not str(key).endswith("alias/aws/s3"):
            return str(key)
    return None


def key_lines(keys: Mapping[str, str | None], grading: bool = False) -> list[str]:
    """What a replay says first of the keys found: one line a bucket. ``grading``: a grading
    run's (--target existing), which --live would have AWS decide instead."""
    found = "existing.bucket_key" if grading else "discovery.bucket_key"
    return [
        t(found, bucket=bucket, kms_key=key)
        if key is not None
        else t("discovery.bucket_key_unread", bucket=bucket)
        for bucket, key in keys.items()
    ]


def bucket_lines(
    policies: Mapping[str, Mapping[str, Any] | None],
    keys: Mapping[str, str | None],
    grading: bool = False,
) -> list[str]:
    """What a replay says first of the bucket pair: its bucket policies, then its KMS keys."""
    return [*replay_lines(policies, grading), *key_lines(keys, grading)]


def undecided_by_key(
    keys: Mapping[str, str | None], action: str, resource: str, allowed: bool
) -> str | None:
    """Why the replay's answer to ``action`` on ``resource`` may not be AWS's: it allowed an
    upload or a download on a bucket whose default encryption is a key of the learner's (or
    could not be read). None otherwise. ``keys``: bucket name -> its key (None: not read)."""
    bucket = bucket_of(resource)
    if not allowed or action not in NEEDS_KEY or bucket is None or bucket not in keys:
        return None
    key = keys[bucket]
    if key is None:
        return t("gap.bucket_key_unread", bucket=bucket, action=action)
    return t("gap.bucket_key", bucket=bucket, kms_key=key, action=action, needs=NEEDS_KEY[action])
