"""The user's checks signed as the console signs in with MFA, where the user's policies ask for it.

The hands-on's user is a person in the console; lesson P6 gives it an MFA device, and a learner
who goes on may hold its rights to MFA (``"Bool": {"aws:MultiFactorAuthPresent": "true"}``, or
AWS's sample that denies everything but managing the device without MFA). The console signed
in with MFA carries ``aws:MultiFactorAuthPresent`` and ``aws:MultiFactorAuthAge``; an access key
carries neither, so its requests would be denied where the console's are allowed. There the run
does what the AWS CLI does for a person with an MFA device: it gives the user a virtual MFA
device of the run's (named as the user), enables it with two consecutive codes, and signs the
user's checks with the session ``sts:GetSessionToken`` gives for a third code. The device goes
when the session ends, before the user does.

Only where the target checks the codes and gives the session its MFA keys, as IAM does: the
emulator (handson/targets/moto_sessions.py). Where IAM's policy simulator decides the user's
checks (``--target existing --live`` without the user's key), it is asked with the context of an
MFA sign-in instead (:data:`MFA_CONTEXT`). On AWS a code may be used once, so the session's code
would be the next 30-second step's, waited for; that is not built, and with the user's own key
(``--target aws``, ``--live --user-profile``) the checks held to MFA are not decided, as before
(policy_match.console_gap).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pyotp

from handson.aws import Credentials, Principal
from handson.iam_engine import MFA_KEYS, condition_keys, statements
from handson.lifecycle.removal import ignore_gone, release_device
from handson.policy_match import Policies, named
from handson.secrets import register_secret

STEP = 30  # seconds of one code (RFC 6238's default, and IAM's virtual devices')
# What IAM's policy simulator is told of a request from the console signed in with MFA moments
# ago, where it decides the user's checks (--target existing --live without the user's key).
MFA_CONTEXT: tuple[dict[str, Any], ...] = (
    {
        "ContextKeyName": "aws:MultiFactorAuthPresent",
        "ContextKeyValues": ["true"],
        "ContextKeyType": "boolean",
    },
    {
        "ContextKeyName": "aws:MultiFactorAuthAge",
        "ContextKeyValues": ["0"],
        "ContextKeyType": "numeric",
    },
)


def asks_for_mfa(documents: Policies) -> bool:
    """Whether a statement of the documents holds something to how the caller signed in."""
    return any(
        condition_keys(statement.body, MFA_KEYS)
        for policy in named(documents)
        for statement in statements(policy)
    )


def codes(seed: str, now: float) -> tuple[str, str, str]:
    """Two consecutive codes to enable the device with (the last step's and this one's), and the
    code to sign in with (this step's again: the emulator does not refuse a code used before)."""
    totp = pyotp.TOTP(seed)
    return totp.at(now - STEP), totp.at(now), totp.at(now)


@contextmanager
def signed_in_with_mfa(
    iam: Any, user: Principal, user_name: str, clock: Callable[[], float] = time.time
) -> Iterator[Principal]:
    """``user`` signed in with an MFA device of the run's: its clients sign with a session that
    carries MFA. ``iam``: the provisioning identity's client, which makes and removes the
    device. The device is removed at the end, whatever happens."""
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user_name)["VirtualMFADevice"]
    serial = device["SerialNumber"]
    enabled = False
    try:
        seed = device["Base32StringSeed"].decode("ascii")
        register_secret(seed)  # the device itself: never shown, as a secret key is not
        first, second, now_code = codes(seed, clock())
        iam.enable_mfa_device(
            UserName=user_name,
            SerialNumber=serial,
            AuthenticationCode1=first,
            AuthenticationCode2=second,
        )
        enabled = True
        answer = user.client("sts").get_session_token(SerialNumber=serial, TokenCode=now_code)
        given = answer["Credentials"]
        credentials = Credentials(
            given["AccessKeyId"], given["SecretAccessKey"], given["SessionToken"]
        )
        yield Principal(user.label, credentials, user.region, user.endpoint_url, user.who)
    finally:
        if enabled:
            release_device(iam, user_name, serial)
        else:  # made, never the user's
            ignore_gone(iam.delete_virtual_mfa_device, SerialNumber=serial)
