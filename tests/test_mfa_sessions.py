"""A user's session with MFA on the emulator (handson/targets/moto_sessions.py) and the run's use
of it (handson/mfa_session.py): the codes are checked as IAM checks them, a session signed with a
code carries MFA and the user's own policies, and nothing else; the device goes whatever happens.
Against the tests' emulator, with boto3 (no whole run: tests/test_mutations.py's "mfa-required"
run is the whole one)."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from botocore.exceptions import ClientError

from handson.aws import Credentials, Principal
from handson.mfa_session import MFA_CONTEXT, STEP, asks_for_mfa, codes, signed_in_with_mfa
from handson.secrets import MASK, redact
from handson.targets.emulator_server import MotoEmulator
from handson.targets.moto_sessions import consecutive_codes, valid_code
from tests.helpers.estate import devices_named

MFA_TRUE = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
RECENT = {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Action": action, "Resource": "*"}
    return {**statement, "Condition": condition} if condition else statement


@pytest.fixture
def user(test_emulator: MotoEmulator) -> Iterator[tuple[Any, Principal, str]]:
    """A user of its own whose buckets' list is held to MFA, and its tags to a recent MFA
    sign-in; its access key, as a principal."""
    iam = test_emulator.admin.client("iam")
    name = f"mfa-{uuid.uuid4().hex[:10]}"
    iam.create_user(UserName=name)
    iam.put_user_policy(
        UserName=name,
        PolicyName="held-to-mfa",
        PolicyDocument=document(
            allow("s3:ListAllMyBuckets", MFA_TRUE), allow("iam:ListUserTags", RECENT)
        ),
    )
    key = iam.create_access_key(UserName=name)["AccessKey"]
    credentials = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    principal = Principal(name, credentials, test_emulator.region, test_emulator.endpoint_url)
    try:
        yield iam, principal, name
    finally:
        iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
        iam.delete_user_policy(UserName=name, PolicyName="held-to-mfa")
        iam.delete_user(UserName=name)


def code_of(call: Any, **params: Any) -> str:
    with pytest.raises(ClientError) as refused:
        call(**params)
    return str(refused.value.response["Error"]["Code"])


def test_the_session_carries_mfa_and_the_users_own_policies_only(
    user: tuple[Any, Principal, str],
) -> None:
    iam, key, name = user
    assert code_of(key.client("s3").list_buckets) == "AccessDenied"  # a key carries no MFA
    with signed_in_with_mfa(iam, key, name) as signed:
        seed = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
        seeds = [d["Base32StringSeed"].decode() for d in seed if d["SerialNumber"].endswith(name)]
        assert seeds and redact(f"seed {seeds[0]}") == f"seed {MASK}"  # a secret
        assert signed.credentials.access_key_id.startswith("ASIA")
        assert signed.credentials.session_token
        signed.client("s3").list_buckets()  # Bool aws:MultiFactorAuthPresent true
        signed.client("iam").list_user_tags(UserName=name)  # aws:MultiFactorAuthAge < 3600
        # What its policies do not grant stays denied, in IAM's words for the user itself.
        with pytest.raises(ClientError) as denied:
            signed.client("iam").list_users()
        error = denied.value.response["Error"]
        assert error["Code"] == "AccessDenied"
        assert f"user/{name} is not authorized to perform: iam:ListUsers" in error["Message"]
        devices = iam.list_mfa_devices(UserName=name)["MFADevices"]
        assert [d["SerialNumber"].rsplit("/", 1)[1] for d in devices] == [name]
    # The device went with the session, before the user.
    assert iam.list_mfa_devices(UserName=name)["MFADevices"] == []
    assert devices_named(iam, name) == []


def test_a_session_without_a_code_carries_mfa_false(user: tuple[Any, Principal, str]) -> None:
    """GetSessionToken without a code gives a session whose requests say MFA is absent: AWS's
    sample deny (BoolIfExists false) applies to it as to the key."""
    iam, key, name = user
    given = key.client("sts").get_session_token()["Credentials"]
    session = Principal(
        name,
        Credentials(given["AccessKeyId"], given["SecretAccessKey"], given["SessionToken"]),
        key.region,
        key.endpoint_url,
    )
    assert code_of(session.client("s3").list_buckets) == "AccessDenied"
    iam.put_user_policy(
        UserName=name,
        PolicyName="sample-deny",
        PolicyDocument=document(
            allow("iam:ListUsers"),
            {
                "Effect": "Deny",
                "NotAction": ["sts:GetSessionToken"],
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            },
        ),
    )
    try:
        assert code_of(session.client("iam").list_users) == "AccessDenied"
        assert code_of(key.client("iam").list_users) == "AccessDenied"
        with signed_in_with_mfa(iam, key, name) as signed:
            signed.client("iam").list_users()
    finally:
        iam.delete_user_policy(UserName=name, PolicyName="sample-deny")


def test_codes_are_checked_as_iam_checks_them(user: tuple[Any, Principal, str]) -> None:
    iam, key, name = user
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{name}-other")
    serial = device["VirtualMFADevice"]["SerialNumber"]
    seed = device["VirtualMFADevice"]["Base32StringSeed"].decode("ascii")
    try:
        wrong = {"AuthenticationCode1": "123456", "AuthenticationCode2": "654321"}
        enable = iam.enable_mfa_device
        assert code_of(enable, UserName=name, SerialNumber=serial, **wrong) == (
            "InvalidAuthenticationCode"
        )
        now = time.time()
        totp = pyotp.TOTP(seed)
        # The same code twice is not two consecutive codes.
        same = {"AuthenticationCode1": totp.at(now), "AuthenticationCode2": totp.at(now)}
        assert code_of(enable, UserName=name, SerialNumber=serial, **same) == (
            "InvalidAuthenticationCode"
        )
        first, second, _ = codes(seed, now)
        enable(
            UserName=name,
            SerialNumber=serial,
            AuthenticationCode1=first,
            AuthenticationCode2=second,
        )
        sts = key.client("sts")
        stale = totp.at(now - 10 * STEP)
        assert code_of(sts.get_session_token, SerialNumber=serial, TokenCode=stale) == (
            "AccessDenied"
        )
        unknown = serial + "x"
        assert code_of(sts.get_session_token, SerialNumber=unknown, TokenCode=second) == (
            "AccessDenied"
        )
        iam.deactivate_mfa_device(UserName=name, SerialNumber=serial)
    finally:
        iam.delete_virtual_mfa_device(SerialNumber=serial)


def test_the_device_goes_when_enabling_or_the_checks_fail(user: tuple[Any, Principal, str]) -> None:
    iam, key, name = user
    with pytest.raises(RuntimeError), signed_in_with_mfa(iam, key, name):
        raise RuntimeError("a check's error")
    assert devices_named(iam, name) == []
    far = time.time() - 3600  # codes of an hour ago: refused
    with pytest.raises(ClientError), signed_in_with_mfa(iam, key, name, clock=lambda: far):
        pass
    assert devices_named(iam, name) == []
    assert iam.list_mfa_devices(UserName=name)["MFADevices"] == []


def test_the_codes_are_rfc_6238s() -> None:
    """pyotp's TOTP, as IAM's virtual devices: RFC 6238's SHA-1 test vectors (the seed is the
    ASCII of "12345678901234567890" in base32) in six digits, 30-second steps, and the emulator's
    check one step either way and no further."""
    seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert pyotp.TOTP(seed, digits=8).at(59) == "94287082"  # RFC 6238, Appendix B
    at = 1_111_111_109  # RFC 6238's 07081804
    first, second, signing = codes(seed, at)
    assert second == signing == "081804"
    assert first == pyotp.TOTP(seed).at(at - STEP) != second
    assert consecutive_codes(seed, first, second) is False  # 2005: not around now
    moment = dt.datetime.fromtimestamp(at, dt.UTC)
    for seconds, valid in ((0, True), (STEP, True), (-STEP, True), (3 * STEP, False)):
        assert valid_code(seed, second, moment + dt.timedelta(seconds=seconds)) is valid


def test_asks_for_mfa_reads_every_statements_condition() -> None:
    assert asks_for_mfa([json.loads(document(allow("s3:*", MFA_TRUE)))])
    assert asks_for_mfa([json.loads(document(allow("s3:*", RECENT)))])
    assert asks_for_mfa([json.loads(document(allow("s3:*"), allow("ec2:*", MFA_TRUE)))])
    assert not asks_for_mfa([json.loads(document(allow("s3:*")))])
    assert not asks_for_mfa(
        [json.loads(document(allow("s3:*", {"Bool": {"aws:SecureTransport": "true"}})))]
    )


def test_the_emulators_simulator_decides_with_an_mfa_sign_ins_context(
    user: tuple[Any, Principal, str],
) -> None:
    """--live without the user's key asks the simulator with MFA_CONTEXT: the emulator's
    simulator decides with it as its request path decides a session's requests."""
    iam, _, name = user
    arn = iam.get_user(UserName=name)["User"]["Arn"]

    def decision(*entries: dict[str, Any]) -> str:
        asked = {"PolicySourceArn": arn, "ActionNames": ["s3:ListAllMyBuckets"]}
        answer = iam.simulate_principal_policy(**asked, ContextEntries=list(entries))
        return str(answer["EvaluationResults"][0]["EvalDecision"])

    assert decision(*MFA_CONTEXT) == "allowed"
    assert decision() != "allowed"
