"""A hands-on policy edited in the console since it was the hands-on's (handson.policy_versions):
the earlier version that is the hands-on's, and how to make it the default again. Read with
IAM's own answers' shapes (botocore's Stubber)."""

from __future__ import annotations

import copy
import datetime
import json
from typing import Any

from botocore.stub import Stubber

from handson.aws import Credentials, Principal
from handson.intended import seed_policy
from handson.policies import ROLE_POLICY_FILE
from handson.policy_versions import back_to_the_hands_on, same_grants

NAME = "taro"
ARN = "arn:aws:iam::111122223333:policy/handson-iam-role-policy"


def hands_on() -> dict[str, Any]:
    policy = seed_policy(ROLE_POLICY_FILE, NAME)
    assert policy is not None
    return copy.deepcopy(dict(policy.document))


def test_the_same_grants_written_otherwise_are_the_same() -> None:
    document = hands_on()
    written = copy.deepcopy(document)
    statements = written["Statement"]
    assert isinstance(statements, list)
    statements.reverse()
    for statement in statements:
        statement.pop("Sid")
        if isinstance(statement["Action"], list) and len(statement["Action"]) == 1:
            statement["Action"] = statement["Action"][0]  # a list of one, as a string
        if isinstance(statement["Action"], list):
            statement["Action"].reverse()
    assert same_grants(document, written)
    wider = copy.deepcopy(document)
    wider["Statement"][2]["Resource"] = ["arn:aws:s3:::handson-s3-2-taro/*"]  # type: ignore[index]
    assert not same_grants(document, wider)


def test_the_earlier_version_that_is_the_hands_ons_is_named() -> None:
    iam = Principal("grader", Credentials("AKIDX", "x"), "ap-northeast-1", None).client("iam")
    edited = hands_on()
    edited["Statement"][2]["Resource"] = ["arn:aws:s3:::handson-s3-2-taro/*"]  # type: ignore[index]
    day = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
    versions = [
        {"VersionId": v, "IsDefaultVersion": v == "v3", "CreateDate": day + datetime.timedelta(n)}
        for n, v in enumerate(("v1", "v2", "v3"))
    ]
    older = {**hands_on(), "Statement": hands_on()["Statement"][:2]}  # v2: a statement short
    with Stubber(iam) as stub:
        stub.add_response("list_policy_versions", {"Versions": versions}, {"PolicyArn": ARN})
        for version, document in (("v2", older), ("v1", hands_on())):
            answer = {"VersionId": version, "Document": json.dumps(document)}
            wanted = {"PolicyArn": ARN, "VersionId": version}
            stub.add_response("get_policy_version", {"PolicyVersion": answer}, wanted)
        said = back_to_the_hands_on(iam, [(ROLE_POLICY_FILE, ARN, "v3", edited)], NAME)
        stub.assert_no_pending_responses()
    assert said == [
        "handson-iam-role-policy's default version v3 is not the hands-on's policy; its earlier"
        " version v1 is. To go back to it, set v1 as the default (IAM console, the policy's"
        " Policy versions, Set as default)"
    ]
    # The default is the hands-on's (written otherwise): nothing said, nothing read.
    with Stubber(iam):
        assert back_to_the_hands_on(iam, [(ROLE_POLICY_FILE, ARN, "v1", hands_on())], NAME) == []
