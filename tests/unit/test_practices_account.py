"""The security lessons P3-P6 read from an account (moto, botocore's Stubber), the
emulator's reason they do not apply, and the --practices option."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from handson.permissions import analyse_documents
from handson.permissions.examples import measured_documents
from handson.permissions.findings import Kind, Principal
from handson.practices.account import (
    UNUSED_DAYS,
    AccountView,
    long_lived_keys,
    no_longer_needed,
    root_user,
    unused_keys,
    user_mfa,
)
from handson.settings import resolve
from handson.targets.registry import kind_named

USER = "handson-iam-user-test"
RUNNER = "arn:aws:iam::123456789012:user/admin"


@pytest.fixture
def iam() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("iam", region_name="us-east-1")
        client.create_user(UserName=USER)
        yield client


def _summary(iam: Any, keys: int, mfa: int) -> Stubber:
    stub = Stubber(iam)
    summary = {"AccountAccessKeysPresent": keys, "AccountMFAEnabled": mfa}
    stub.add_response("get_account_summary", {"SummaryMap": summary})
    return stub


def test_root_with_keys_and_without_mfa_gives_two_findings() -> None:
    iam = boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    with _summary(iam, keys=1, mfa=0):
        found = root_user(AccountView(iam, RUNNER, USER))
    assert [f.message for f in found] == ["practices.root_keys", "practices.root_mfa"]
    assert {(f.id, f.principal, f.kind) for f in found} == {("P3", Principal.ACCOUNT, Kind.ACCOUNT)}


def test_a_protected_root_not_running_the_suite_gives_none() -> None:
    iam = boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    with _summary(iam, keys=0, mfa=1):
        assert root_user(AccountView(iam, RUNNER, USER)) == []


def test_the_root_user_running_the_suite_is_a_finding() -> None:
    iam = boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    root = "arn:aws:iam::123456789012:root"
    with _summary(iam, keys=0, mfa=1):
        found = root_user(AccountView(iam, root, USER))
    assert [f.message for f in found] == ["practices.runner_is_root"]
    assert root in found[0].text()


def test_a_long_lived_key_is_a_finding_unless_the_run_made_it(iam: Any) -> None:
    key = iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
    found = long_lived_keys(AccountView(iam, RUNNER, USER))
    assert [(f.id, f.fields["access_key"]) for f in found] == [("P4", key)]
    shown = found[0].as_dict()  # its message in words, as checkpoints.json has it
    assert key in shown["message"] and shown["principal"] == shown["kind"] == "account"
    assert long_lived_keys(AccountView(iam, RUNNER, USER, frozenset({key}))) == []
    assert long_lived_keys(AccountView(iam, RUNNER, None)) == []


def test_a_key_unused_for_91_days_is_a_finding(iam: Any) -> None:
    key = iam.create_access_key(UserName=USER)["AccessKey"]
    made = key["CreateDate"]
    view = AccountView(iam, RUNNER, USER)
    assert unused_keys(view, now=made + timedelta(days=UNUSED_DAYS - 1)) == []
    found = unused_keys(view, now=made + timedelta(days=91))
    assert [(f.id, f.message, f.fields["days"]) for f in found] == [
        ("P5", "practices.key_never_used", 91)
    ]
    assert "91" in found[0].as_dict()["message"]


def test_a_key_used_long_ago_is_a_finding() -> None:
    iam = boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    now = datetime(2026, 12, 4, tzinfo=UTC)
    made = now - timedelta(days=400)
    key = {"AccessKeyId": "AKIAEXAMPLEEXAMPLE", "Status": "Active", "CreateDate": made}
    with Stubber(iam) as stub:
        stub.add_response("list_access_keys", {"AccessKeyMetadata": [dict(key, UserName=USER)]})
        used = {"LastUsedDate": now - timedelta(days=91), "ServiceName": "s3", "Region": "x"}
        stub.add_response("get_access_key_last_used", {"UserName": USER, "AccessKeyLastUsed": used})
        found = unused_keys(AccountView(iam, RUNNER, USER), now=now)
    assert [(f.message, f.fields["days"]) for f in found] == [("practices.key_unused", 91)]


def test_a_user_who_signs_in_without_mfa_is_a_finding(iam: Any) -> None:
    view = AccountView(iam, RUNNER, USER)
    assert user_mfa(view) == []  # no login profile: no console sign-in to protect
    iam.create_login_profile(UserName=USER, Password="Password-1234!")
    found = user_mfa(view)
    assert [(f.id, f.message) for f in found] == [("P6", "practices.user_mfa")]
    assert USER in found[0].as_dict()["message"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="mfa")["VirtualMFADevice"]
    iam.enable_mfa_device(
        UserName=USER,
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    assert user_mfa(view) == []


def test_p1_and_p2_over_grants_are_p5_permissions_no_longer_needed() -> None:
    found = analyse_documents(measured_documents(), "test")
    p5 = no_longer_needed(found)
    assert len(p5) == 7 and {f.id for f in p5} == {"P5"}


def test_the_emulator_declares_why_account_lessons_do_not_apply() -> None:
    assert kind_named("emulator").no_account == "practices.no_account.emulator"
    assert kind_named("aws").no_account is None
    assert kind_named("existing").no_account is None


def test_practices_option_and_its_environment_variable() -> None:
    assert resolve({}, environ={}).practices == "advisory"
    assert resolve({}, environ={"HANDSON_PRACTICES": "strict"}).practices == "strict"
    assert (
        resolve({"practices": "advisory"}, environ={"HANDSON_PRACTICES": "strict"}).practices
        == "advisory"
    )
    with pytest.raises(Exception, match="--practices 'loose'"):
        resolve({"practices": "loose"}, environ={})
