"""Steps of the clean-up (features/cleanup.feature): each reads the account and names what of
the hands-on is left (handson/cleanup_checks.py), read-only.

## Given
## Then
"""

from __future__ import annotations

from pytest_bdd import given, then

from handson.cleanup_checks import (
    buckets_left,
    instances_in,
    instances_left,
    policies_left,
    role_left,
    user_left,
)
from handson.evidence import attach_text
from handson.findings import CheckFailed, Finding
from handson.i18n import t
from handson.results import Category
from handson.targets.existing import CleanedAccount


@given("片付けを終えたアカウントを読む", target_fixture="cleaned")
def cleaned_account(cleaned_account: CleanedAccount) -> CleanedAccount:
    return cleaned_account


def nothing_left(left: list[str]) -> None:
    """The check's verdict: passed when nothing is left, else failed, naming each thing left."""
    attach_text(t("cleanup.checks"), "\n".join(left) or t("cleanup.check_passed"))
    if left:
        found = Finding(Category.NOT_CLEANED, left[0], more=tuple(left[1:]))
        raise CheckFailed("\n".join(left), found)


@then("タグ Name=handson-instance のインスタンスは終了している")
def instance_terminated(cleaned: CleanedAccount) -> None:
    reader = cleaned.reader
    here, elsewhere = instances_left(reader.client("ec2"), reader.ec2_in)
    cleaned.elsewhere.update(elsewhere)  # the run's last lines name their command too
    nothing_left(here + instances_in(elsewhere))


@then("バケット handson-s3-1 と handson-s3-2 は残っていない")
def buckets_gone(cleaned: CleanedAccount) -> None:
    nothing_left(buckets_left(cleaned.reader.client("s3"), cleaned.name))


@then("ロール handson-iam-role もその名前のインスタンスプロファイルも残っていない")
def role_gone(cleaned: CleanedAccount) -> None:
    nothing_left(role_left(cleaned.reader.client("iam")))


@then("ユーザー handson-iam-user は残っていない")
def user_gone(cleaned: CleanedAccount) -> None:
    nothing_left(user_left(cleaned.reader.client("iam")))


@then("ポリシー handson-iam-user-policy と handson-iam-role-policy はどのバージョンも残っていない")
def policies_gone(cleaned: CleanedAccount) -> None:
    nothing_left(policies_left(cleaned.reader.client("iam")))
