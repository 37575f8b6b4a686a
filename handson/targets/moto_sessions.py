"""A user's session with MFA on the emulator, as IAM and STS make it (moto 5.2.5 does not).

The console signs a user with an MFA device in with MFA; its requests then carry
``aws:MultiFactorAuthPresent`` (true) and ``aws:MultiFactorAuthAge``. A user's access key
carries neither, so where the user's policies hold its rights to MFA, the checks sign with what
the AWS CLI uses for the same: ``sts:GetSessionToken`` with the device's serial number and a code
(handson/mfa_session.py). moto 5.2.5 answers GetSessionToken with AWS's documentation's example
key, the same for every call, that no request can then sign with, and enables a device with any
two codes. Here:

- ``EnableMFADevice`` refuses codes that are not two consecutive codes of the device's seed
  around now (``InvalidAuthenticationCode``, HTTP 403, as IAM's reference has it);
- ``GetSessionToken`` gives the calling user a key of its own (``ASIA…``, a secret, a session
  token), kept here with when the MFA code was given, if it was. A serial number that is not a
  device of the caller's, or a code that is not the device's now, is refused with STS's
  ``AccessDenied`` ("MultiFactorAuthentication failed with invalid MFA one time pass code.";
  with HTTP 400 here, moto's status for an error STS's model does not name, where AWS says 403);
- a request signed with such a key is the user's (``UserSession``): its policies, and the two
  MFA keys in its context (handson/targets/moto_caller.py).

Codes are checked with pyotp (RFC 6238, 30-second steps, one step of drift each way). Not
modelled: AWS's refusal of a code used before (the run signs in with the code it enabled the
device with, which is why it does so on the emulator only: handson/mfa_session.py), session
policies, and a session's expiry.
"""

from __future__ import annotations

import datetime as dt
import secrets
import string
import threading
from dataclasses import dataclass, field
from typing import Any

import pyotp

_ALPHABET = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class UserSession:
    """A key GetSessionToken gave: whose, and when its MFA code was given (None: without)."""

    account_id: str
    user_name: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    mfa_at: dt.datetime | None

    def mfa_keys(self, now: dt.datetime | None = None) -> dict[str, str]:
        """What IAM puts into the context of a request signed with it: MFA present (true, or
        false for a session made without a code), and the seconds since the code was given."""
        if self.mfa_at is None:
            return {"aws:MultiFactorAuthPresent": "false"}
        age = ((now or dt.datetime.now(dt.UTC)) - self.mfa_at).total_seconds()
        return {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": str(int(age))}


_sessions: dict[str, UserSession] = {}
_lock = threading.Lock()


def session_of(access_key_id: str) -> UserSession | None:
    with _lock:
        return _sessions.get(access_key_id)


def valid_code(seed: str, code: str, at: dt.datetime | None = None) -> bool:
    """Whether ``code`` is the device's code at ``at`` (now), one 30-second step either way."""
    when = at or dt.datetime.now(dt.UTC)
    return pyotp.TOTP(seed).verify(code, for_time=when, valid_window=1)


def consecutive_codes(seed: str, first: str, second: str) -> bool:
    """Whether two codes are the device's codes of two steps in a row, around now."""
    totp = pyotp.TOTP(seed)
    step = dt.timedelta(seconds=totp.interval)
    now = dt.datetime.now(dt.UTC)
    return any(
        totp.at(now + n * step) == first and totp.at(now + (n + 1) * step) == second
        for n in (-2, -1, 0, 1)
    )


def install() -> None:
    """Patch moto's GetSessionToken, EnableMFADevice and its look-up of a request's key."""
    from moto.iam import access_control
    from moto.iam.models import IAMBackend
    from moto.sts.responses import TokenResponse

    enable = IAMBackend.enable_mfa_device
    create_access_key = access_control.create_access_key

    def enable_with_valid_codes(
        self: Any, user_name: str, serial_number: str, code_1: str, code_2: str
    ) -> None:
        from moto.iam.exceptions import IAMException

        device = self.virtual_mfa_devices.get(serial_number)
        if device is not None and not consecutive_codes(device.base32_string_seed, code_1, code_2):
            raise IAMException(
                "InvalidAuthenticationCode", "Authentication code for device is not valid."
            )
        enable(self, user_name, serial_number, code_1, code_2)

    def get_session_token(self: Any) -> Any:
        from moto.core.responses import ActionResult
        from moto.iam.models import iam_backends
        from moto.sts.exceptions import STSClientError

        duration = self._get_int_param("DurationSeconds", 43200)
        token = self.backend.get_session_token(duration=duration)
        iam = iam_backends[self.current_account][self.partition]
        user = iam.get_user_from_access_key_id(self.get_access_key())
        if user is None:  # the root user or another session: not what the suite asks
            return ActionResult({"Credentials": _credentials(None, token.expiration)})
        serial, code = self._get_param("SerialNumber"), self._get_param("TokenCode")
        mfa_at = None
        if serial is not None or code is not None:
            device = iam.virtual_mfa_devices.get(serial or "")
            if (
                device is None
                or device.user is None
                or device.user.name != user.name
                or not valid_code(device.base32_string_seed, str(code or ""))
            ):
                raise STSClientError(
                    "AccessDenied",
                    "MultiFactorAuthentication failed with invalid MFA one time pass code.",
                )
            mfa_at = dt.datetime.now(dt.UTC)
        session = UserSession(
            self.current_account,
            user.name,
            "ASIA" + "".join(secrets.choice(_ALPHABET) for _ in range(16)),
            secrets.token_urlsafe(30),
            secrets.token_urlsafe(96),
            mfa_at,
        )
        with _lock:
            _sessions[session.access_key_id] = session
        return ActionResult({"Credentials": _credentials(session, token.expiration)})

    def create_key(
        account_id: str, partition: str, access_key_id: str, headers: dict[str, str]
    ) -> Any:
        session = session_of(access_key_id)
        if session is None:
            return create_access_key(account_id, partition, access_key_id, headers)
        return UserSessionKey(account_id, partition, session)

    IAMBackend.enable_mfa_device = enable_with_valid_codes  # type: ignore[method-assign,assignment]
    TokenResponse.get_session_token = get_session_token  # type: ignore[method-assign]
    access_control.create_access_key = create_key


def _credentials(session: UserSession | None, expiration: Any) -> dict[str, Any]:
    if session is None:
        return {
            "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
            "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
            "SessionToken": "AQoEXAMPLE",
            "Expiration": expiration,
        }
    return {
        "AccessKeyId": session.access_key_id,
        "SecretAccessKey": session.secret_access_key,
        "SessionToken": session.session_token,
        "Expiration": expiration,
    }


class UserSessionKey:
    """A request's key that GetSessionToken gave: the user's, for moto's signature check and
    for the engine (moto_caller.Caller)."""

    def __init__(self, account_id: str, partition: str, session: UserSession) -> None:
        self.account_id = account_id
        self.partition = partition
        self.session = session
        self._owner_user_name = session.user_name
        self._access_key_id = session.access_key_id
        self._secret_access_key = session.secret_access_key
        self._session_token = session.session_token

    @property
    def backend(self) -> Any:
        from moto.iam.models import iam_backends

        return iam_backends[self.account_id][self.partition]

    @property
    def arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:user/{self._owner_user_name}"

    def create_credentials(self) -> Any:
        from botocore.credentials import Credentials

        return Credentials(self._access_key_id, self._secret_access_key, self._session_token)
