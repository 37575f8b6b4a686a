"""Steps of the security lessons (features/best_practices.feature): each decides one lesson's
result (handson.practices) and records it; advisory, a step never fails on a finding
(fixtures/practices.py reports them, and fails the run only with --practices strict).

## Then
"""

from __future__ import annotations

from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError
from pytest_bdd import then

from handson.boundary import kept_from
from handson.i18n import t
from handson.iam_engine import NamedPolicy
from handson.permissions import PermissionFinding
from handson.practices import PracticeResult
from handson.practices.account import (
    AccountView,
    long_lived_keys,
    no_longer_needed,
    root_user,
    unused_keys,
    user_mfa,
)
from handson.secrets import redact

Record = Callable[[PracticeResult], None]
# The account P3-P6 read, or why they do not apply (a sentence in the run's language).
Account = AccountView | str
# Why the user or the role was not found in a hand-built environment, or None.
NotFound = Callable[[str], str | None]


def _measured(
    check: str,
    found: list[PermissionFinding],
    missing: str | None,
    boundary: NamedPolicy | None,
) -> PracticeResult:
    if missing is not None:
        return PracticeResult.not_checked(check, missing)
    mine = [f for f in found if f.id == check]
    return PracticeResult.of(check, [kept_from(f, boundary) for f in mine])


@then("IAMユーザーのポリシーはハンズオンに必要な権限だけを許可している")
def user_least_privilege(
    permission_findings: list[PermissionFinding],
    practice: Record,
    not_found: NotFound,
    boundaries: dict[str, NamedPolicy],
) -> None:
    practice(_measured("P1", permission_findings, not_found("user"), boundaries.get("user")))


@then("IAMロールのポリシーはハンズオンに必要な権限だけを許可している")
def role_least_privilege(
    permission_findings: list[PermissionFinding],
    practice: Record,
    not_found: NotFound,
    boundaries: dict[str, NamedPolicy],
) -> None:
    practice(_measured("P2", permission_findings, not_found("role"), boundaries.get("role")))


def _on_account(
    check: str,
    account: Account,
    read: Callable[[AccountView], list[PermissionFinding]],
    needs_user: bool,
    no_user: str,
) -> PracticeResult:
    if isinstance(account, str):
        return PracticeResult.not_applicable(check, account)
    if needs_user and account.user is None:
        return PracticeResult.not_applicable(check, no_user)
    try:
        return PracticeResult.of(check, read(account))
    except (ClientError, BotoCoreError) as exc:  # no permission to read it, an endpoint's error
        return PracticeResult.not_checked(check, t("practices.unreadable", error=redact(str(exc))))


@then("ルートユーザーにアクセスキーがなく MFA が有効で、この実行もルートユーザーではない")
def root_protected(practice_account: Account, practice: Record, no_user: str) -> None:
    practice(_on_account("P3", practice_account, root_user, False, no_user))


def _run_made_user(check: str, account: Account) -> PracticeResult | None:
    """--target aws: the run made the user, its keys and its sign-in for U1; not the learner's
    to protect, and not applicable (never clear)."""
    if isinstance(account, AccountView) and account.run_made_user:
        return PracticeResult.not_applicable(check, t("practices.run_made_user"))
    return None


@then("ハンズオンの IAM ユーザーは長期のアクセスキーを持っていない")
def no_long_lived_key(practice_account: Account, practice: Record, no_user: str) -> None:
    practice(
        _run_made_user("P4", practice_account)
        or _on_account("P4", practice_account, long_lived_keys, True, no_user)
    )


@then("90日以上使われていないアクセスキーも、ハンズオンに不要な権限もない")
def nothing_unused(
    practice_account: Account,
    permission_findings: list[PermissionFinding],
    practice: Record,
    no_user: str,
) -> None:
    def read(view: AccountView) -> list[PermissionFinding]:
        return unused_keys(view) + no_longer_needed(permission_findings)

    practice(_on_account("P5", practice_account, read, False, no_user))


@then("ハンズオンの IAM ユーザーはコンソールのサインインに MFA を使う")
def user_signs_in_with_mfa(practice_account: Account, practice: Record, no_user: str) -> None:
    practice(
        _run_made_user("P6", practice_account)
        or _on_account("P6", practice_account, user_mfa, True, no_user)
    )
