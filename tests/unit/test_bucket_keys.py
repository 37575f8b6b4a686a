"""A KMS key of the learner's own on the bucket pair (handson/bucket_keys.py): read as S3 answers
GetBucketEncryption (botocore's Stubber), and the replay's uploads and downloads there not
decided, where AWS would ask KMS too; every other answer stands."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from handson import i18n
from handson.aws import Credentials, Principal
from handson.bucket_keys import key_lines, own_key, read_key, undecided_by_key

BUCKET = "handson-s3-1-taro"
KEY = "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def encryption(algorithm: str, key: str | None = None) -> dict[str, Any]:
    default = {"SSEAlgorithm": algorithm, **({"KMSMasterKeyID": key} if key else {})}
    return {"Rules": [{"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": True}]}


@pytest.mark.parametrize(
    ("configuration", "key"),
    [
        (encryption("AES256"), None),  # S3's own (SSE-S3): every bucket's default since 2023
        (encryption("aws:kms"), None),  # AWS's key for S3 (aws/s3), named by none
        (encryption("aws:kms", "alias/aws/s3"), None),
        (encryption("aws:kms", "arn:aws:kms:ap-northeast-1:111122223333:alias/aws/s3"), None),
        (encryption("aws:kms", KEY), KEY),
        (encryption("aws:kms", "alias/my-key"), "alias/my-key"),
        (encryption("aws:kms:dsse", KEY), KEY),
        ({"Rules": []}, None),
    ],
    ids=["sse-s3", "aws/s3 unnamed", "aws/s3 alias", "aws/s3 alias ARN", "own key", "own alias",
         "dsse", "no rule"],
)  # fmt: skip
def test_only_a_key_of_the_learners_own_counts(
    configuration: dict[str, Any], key: str | None
) -> None:
    assert own_key(configuration) == key


def test_the_encryption_is_read_as_s3_answers_it() -> None:
    """SSE-S3, a key of the learner's, no configuration (moto's, and AWS's before 2023), and a
    refusal (a grading role without s3:GetEncryptionConfiguration): not read."""
    s3 = Principal("grader", Credentials("AKIDX", "x"), "ap-northeast-1", None).client("s3")
    wanted = {"Bucket": BUCKET}
    operation = "get_bucket_encryption"
    with Stubber(s3) as stub:
        for configuration in (encryption("AES256"), encryption("aws:kms", KEY)):
            answer = {"ServerSideEncryptionConfiguration": configuration}
            stub.add_response(operation, answer, wanted)
        code = "ServerSideEncryptionConfigurationNotFoundError"
        stub.add_client_error(operation, code, http_status_code=404)
        stub.add_client_error(operation, "AccessDenied", http_status_code=403)
        seen = [read_key(s3, BUCKET) for _ in range(4)]
        stub.assert_no_pending_responses()
    assert seen == [(True, None), (True, KEY), (True, None), (False, None)]


@pytest.mark.parametrize(
    ("action", "resource", "allowed", "said"),
    [
        ("s3:PutObject", f"arn:aws:s3:::{BUCKET}/test.txt", True, "also needs kms:GenerateDataKey"),
        ("s3:GetObject", f"arn:aws:s3:::{BUCKET}/test.txt", True, "also needs kms:Decrypt"),
        # A denial stands: a key only adds what must be allowed.
        ("s3:PutObject", f"arn:aws:s3:::{BUCKET}/test.txt", False, None),
        # Calls a key changes nothing of.
        ("s3:DeleteObject", f"arn:aws:s3:::{BUCKET}/test.txt", True, None),
        ("s3:ListBucket", f"arn:aws:s3:::{BUCKET}", True, None),
        # Another bucket (the user's own in U2, bucket 2 here), and what is no S3 ARN.
        ("s3:PutObject", "arn:aws:s3:::handson-s3-2-taro/open/a.txt", True, None),
        ("ec2:StartInstances", "*", True, None),
    ],
)
def test_an_upload_or_download_the_replay_allowed_is_not_decided(
    action: str, resource: str, allowed: bool, said: str | None
) -> None:
    reason = undecided_by_key({BUCKET: KEY}, action, resource, allowed)
    if said is None:
        assert reason is None, reason
    else:
        assert reason is not None and said in reason and KEY in reason, reason
        assert "the replay does not read (AWS does), so this is not decided" in reason


def test_an_encryption_not_read_leaves_the_uploads_and_downloads_undecided() -> None:
    put = undecided_by_key({BUCKET: None}, "s3:PutObject", f"arn:aws:s3:::{BUCKET}/a", True)
    assert put == (
        f"the default encryption of {BUCKET} could not be read, and a KMS key may decide "
        "s3:PutObject: not decided"
    )
    assert undecided_by_key({}, "s3:PutObject", f"arn:aws:s3:::{BUCKET}/a", True) is None


def test_the_first_lines_say_each_bucket_in_the_runs_language() -> None:
    keys = {BUCKET: KEY, "handson-s3-2-taro": None}
    english = key_lines(keys, grading=True)
    assert english[0].startswith(f"{BUCKET} encrypts new objects with the KMS key {KEY}")
    assert english[0].endswith("(choose SSE-S3 again, or add --live to have AWS itself decide)")
    assert "s3:GetEncryptionConfiguration" in english[1]
    assert "--live" not in key_lines(keys)[0]  # discover's folder: no run to add it to
    i18n.set_language("ja")
    try:
        japanese = key_lines(keys, grading=True)
    finally:
        i18n.set_language("en")
    assert japanese[0].startswith(f"{BUCKET} は、新しいオブジェクトを KMS キー {KEY} で暗号化")
    assert all(j != e for j, e in zip(japanese, english, strict=True))
