"""--record-calls (handson/call_record.py) and the nightly role's check of a record
(tests/helpers/sandbox_role.py): what is written, and what the role is asked."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from handson.aws import Credentials, Principal
from handson.call_record import (
    _ACTIONS,
    _VERSIONED,
    action_of,
    read_calls,
    recording_file,
    start_recording,
    stop_recording,
)
from handson.permissions import catalogue
from tests.helpers.sandbox_role import (
    boundary_arn,
    check_calls,
    load_template,
    role_policies,
    unused_grants,
)

NAME = "20261204-abc123"


@pytest.fixture
def record(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "calls.jsonl"
    start_recording(path)
    yield path
    stop_recording()


def test_every_mapped_action_is_one_aws_knows() -> None:
    for action in [*_ACTIONS.values(), *_VERSIONED.values()]:
        assert catalogue.action(action) is not None, action


def test_the_action_follows_the_parameters() -> None:
    assert action_of("s3", "HeadObject", {"Bucket": "b", "Key": "k"}) == "s3:GetObject"
    assert action_of("s3", "GetObject", {"VersionId": "v"}) == "s3:GetObjectVersion"
    versions = {"Objects": [{"Key": "k", "VersionId": "v"}]}
    assert action_of("s3", "DeleteObjects", {"Delete": versions}) == "s3:DeleteObjectVersion"
    assert action_of("iam", "CreateUser", {}) == "iam:CreateUser"


def test_a_record_names_who_and_what_but_holds_no_secret(record: Path) -> None:
    admin = Principal("arn:aws:iam::123456789012:user/admin", Credentials("AKIDADMIN", "s3cr3t"),
                      "ap-northeast-1", "http://127.0.0.1:9")  # fmt: skip
    user = Principal("learner", Credentials("AKIDUSER", "s3cr3t"), "ap-northeast-1", None,
                     who="user")  # fmt: skip
    iam, s3 = admin.client("iam"), user.client("s3")
    with Stubber(iam) as stub:
        stub.add_response("create_login_profile", {"LoginProfile": _profile()})
        iam.create_login_profile(UserName="handson-iam-user-x", Password="Very-Secret-1")
    with Stubber(s3) as stub:
        stub.add_client_error("head_object", "403", http_status_code=403)
        with pytest.raises(s3.exceptions.ClientError):
            s3.head_object(Bucket="handson-s3-x", Key="open/a.txt")
    first, second = read_calls(record)
    assert first == {
        "who": "provisioning",
        "principal": "arn:aws:iam::123456789012:user/admin",
        "service": "iam",
        "operation": "CreateLoginProfile",
        "action": "iam:CreateLoginProfile",
        "params": {"UserName": "handson-iam-user-x"},
        "outcome": "ok",
        "endpoint": "http://127.0.0.1:9",  # where: the emulator, not the account
    }
    assert (second["who"], second["action"], second["outcome"]) == ("user", "s3:GetObject", "403")
    assert second["endpoint"] == "https://s3.ap-northeast-1.amazonaws.com"
    assert "Secret" not in record.read_text("utf-8") and "s3cr3t" not in record.read_text("utf-8")


def _profile() -> dict[str, Any]:
    return {"UserName": "handson-iam-user-x", "CreateDate": "2026-12-04T00:00:00Z"}


def _calls(boundary: str) -> list[dict[str, Any]]:
    tags = [{"Key": "handson:suite", "Value": "handson-iam-acceptance"}]
    made: list[tuple[str, str, dict[str, Any]]] = [
        ("iam", "CreateUser", {"UserName": f"handson-iam-user-{NAME}", "Tags": tags,
                               "PermissionsBoundary": boundary}),
        ("s3", "PutBucketTagging", {"Bucket": f"handson-s3-1-{NAME}"}),
        ("s3", "PutObject", {"Bucket": f"handson-s3-1-{NAME}", "Key": "open/a.txt"}),
        ("s3", "ListObjectsV2", {"Bucket": f"handson-s3-1-{NAME}"}),
        ("sts", "GetCallerIdentity", {}),
    ]  # fmt: skip
    found = [
        {"who": "provisioning", "service": service, "operation": operation, "params": params,
         "action": action_of(service, operation, params)}
        for service, operation, params in made
    ]  # fmt: skip
    return [*found, {**found[2], "who": "user", "params": {"Bucket": "someone-else"}}]


def test_the_template_allows_the_calls_and_lists_the_rest() -> None:
    template = load_template()
    policies = role_policies(template)
    checks = check_calls(_calls(boundary_arn(template)), policies)
    # The learner's call is not the role's; the free call needs nothing; CreateUser with tags
    # needs TagUser too.
    assert [c.request.action for c in checks] == [
        "iam:CreateUser", "iam:TagUser", "s3:PutBucketTagging", "s3:PutObject", "s3:ListBucket",
    ]  # fmt: skip
    assert all(c.allowed for c in checks), checks
    unused = unused_grants(policies, checks)
    assert "TheSuitesBuckets: s3:PutObject" not in unused
    assert "TheSuitesBuckets: s3:DeleteBucket" in unused
    assert "TheSuitesUsers: iam:DeleteUser" in unused


@pytest.mark.parametrize(
    ("sid", "action", "refused"),
    [
        ("TheSuitesBuckets", "s3:PutBucketTagging", "s3:PutBucketTagging"),
        ("TheSuitesUsers", "iam:TagUser", "iam:TagUser"),
        ("UsersOnlyWithTheBoundary", "iam:CreateUser", "iam:CreateUser"),
    ],
)
def test_a_grant_taken_out_of_the_template_refuses_its_call(
    sid: str, action: str, refused: str
) -> None:
    template = load_template()
    policies = role_policies(copy.deepcopy(template))
    for statement in policies[0].document["Statement"]:
        if statement["Sid"] == sid:
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            # A statement left with no action would be invalid: one nobody calls stands in.
            statement["Action"] = [a for a in actions if a != action] or ["iam:TakenOut"]
    checks = check_calls(_calls(boundary_arn(template)), policies)
    assert [c.request.action for c in checks if not c.allowed] == [refused]


def test_a_user_made_without_the_boundary_is_refused() -> None:
    template = load_template()
    checks = check_calls(_calls("arn:aws:iam::123456789012:policy/other"), role_policies(template))
    assert [c.request.action for c in checks if not c.allowed] == ["iam:CreateUser"]


def test_the_template_is_read_with_its_intrinsic_functions_resolved() -> None:
    template = load_template(parameters={"GitHubRepository": "octo/repo"})
    assert boundary_arn(template) == (
        "arn:aws:iam::123456789012:policy/handson-iam-acceptance-boundary"
    )
    text = json.dumps([template["Resources"], template["Outputs"]])  # Conditions are not read
    assert "Fn::" not in text and '"Ref"' not in text
    assert "repo:octo/repo:ref:refs/heads/main" in text
    assert template["Outputs"]["RoleArn"]["Value"] == (
        "arn:aws:iam::123456789012:role/handson-iam-acceptance-nightly"
    )


def test_the_option_wins_over_its_environment_variable(tmp_path: Path) -> None:
    env = {"HANDSON_RECORD_CALLS": str(tmp_path / "env.jsonl")}
    assert recording_file({"record_calls": "cli.jsonl"}, env) == Path("cli.jsonl")
    assert recording_file({"record_calls": None}, env) == tmp_path / "env.jsonl"
    assert recording_file({"record_calls": None}, {}) is None
