"""The account's security lessons, P3-P6, read with IAM and STS (read-only), as findings.

- P3: the root user has no access key and has MFA (``GetAccountSummary``); whoever runs the
  suite is not the root user (``GetCallerIdentity``);
- P4: the hands-on's user holds no long-lived access key (the hands-on never needs one), except
  a key the run itself made;
- P5: no access key of that user unused for 90 days (``GetAccessKeyLastUsed``; a key never used
  counts from its creation);
- P6: that user has an MFA device when it can sign in to the console (a login profile).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from handson.permissions.findings import Kind, PermissionFinding, Principal

UNUSED_DAYS = 90  # the lesson's "定期的な見直し", as AWS's own credential report counts it


@dataclass(frozen=True)
class AccountView:
    """What P3-P6 read: the account's IAM client, who runs the suite, the hands-on's user (None
    when the account has none) and the access keys the run made itself."""

    iam: Any
    caller_arn: str
    user: str | None
    own_keys: frozenset[str] = field(default_factory=frozenset)
    # --target aws: the run made the user, its keys and its console sign-in itself (U1).
    run_made_user: bool = False


def _finding(check: str, resource: str, message: str, **fields: Any) -> PermissionFinding:
    return PermissionFinding(
        id=check,
        principal=Principal.ACCOUNT,
        kind=Kind.ACCOUNT,
        action="",
        resource=resource,
        statement=None,
        message=message,
        fields=fields,
    )


def root_user(view: AccountView) -> list[PermissionFinding]:
    """P3: root access keys, root MFA, and the runner's identity."""
    summary = view.iam.get_account_summary()["SummaryMap"]
    found = []
    if summary.get("AccountAccessKeysPresent", 0):
        found.append(_finding("P3", "root", "practices.root_keys"))
    if not summary.get("AccountMFAEnabled", 0):
        found.append(_finding("P3", "root", "practices.root_mfa"))
    if view.caller_arn.endswith(":root"):
        found.append(
            _finding("P3", view.caller_arn, "practices.runner_is_root", arn=view.caller_arn)
        )
    return found


def _keys(view: AccountView) -> list[dict[str, Any]]:
    if view.user is None:
        return []
    listed = view.iam.list_access_keys(UserName=view.user)["AccessKeyMetadata"]
    return [key for key in listed if key["AccessKeyId"] not in view.own_keys]


def long_lived_keys(view: AccountView) -> list[PermissionFinding]:
    """P4: every access key of the hands-on's user but those the run made."""
    return [
        _finding(
            "P4",
            f"{view.user} / {key['AccessKeyId']}",
            "practices.long_lived_key",
            user=view.user,
            access_key=key["AccessKeyId"],
            status=key.get("Status", ""),
        )
        for key in _keys(view)
    ]


def unused_keys(view: AccountView, now: datetime | None = None) -> list[PermissionFinding]:
    """P5: an active key of the hands-on's user not used for UNUSED_DAYS days (never used: since
    it was made)."""
    now = now or datetime.now(UTC)
    found = []
    for key in _keys(view):
        if key.get("Status", "Active") != "Active":
            continue
        last = view.iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
        used = last.get("AccessKeyLastUsed", {}).get("LastUsedDate")
        since = used or key["CreateDate"]
        days = (now - since).days
        if now - since >= timedelta(days=UNUSED_DAYS):
            message = "practices.key_unused" if used else "practices.key_never_used"
            found.append(
                _finding(
                    "P5",
                    f"{view.user} / {key['AccessKeyId']}",
                    message,
                    user=view.user,
                    access_key=key["AccessKeyId"],
                    days=days,
                )
            )
    return found


def no_longer_needed(over_grants: Iterable[PermissionFinding]) -> list[PermissionFinding]:
    """P5's other half: P1's and P2's over-grants are permissions no longer needed."""
    return [replace(f, id="P5") for f in over_grants if f.kind is Kind.OVER_GRANT]


def user_mfa(view: AccountView) -> list[PermissionFinding]:
    """P6: the hands-on's user signs in to the console with MFA."""
    if view.user is None:
        return []
    try:
        view.iam.get_login_profile(UserName=view.user)
    except view.iam.exceptions.NoSuchEntityException:
        return []  # no console sign-in: nothing to protect with MFA
    if view.iam.list_mfa_devices(UserName=view.user)["MFADevices"]:
        return []
    return [_finding("P6", view.user, "practices.user_mfa", user=view.user)]
