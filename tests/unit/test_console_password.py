"""P1 and the IAM console's own attachment: a user made in the console with "users must create a
new password at next sign-in" (the console's recommended choice, which the hands-on does not
change) is given AWS's IAMUserChangePassword, so that the user can set that password. Held as
AWS's own, it is the console's, not an over-grant of the learner's; written by the learner, the
same grants are theirs, and measured as before."""

from __future__ import annotations

import json
from typing import Any

from handson.iam_engine import NamedPolicy
from handson.permissions import analyse_named
from handson.permissions.handson_world import managed_policies_text
from handson.policies import ROLE_POLICY_FILE, SEED_DIR, USER_POLICY_FILE


def _seed(name: str) -> dict[str, Any]:
    return dict(json.loads((SEED_DIR / name).read_text("utf-8")))


def _change_password() -> dict[str, Any]:
    """IAMUserChangePassword's document as moto ships AWS's managed policies."""
    data = json.loads(managed_policies_text())
    return dict(data["IAMUserChangePassword"]["Document"])


def _p1(aws_managed: bool, name: str = "IAMUserChangePassword") -> list[tuple[str, str]]:
    user = [
        NamedPolicy("handson-iam-user-policy", _seed(USER_POLICY_FILE)),
        NamedPolicy(name, _change_password(), aws_managed=aws_managed),
    ]
    role = [NamedPolicy("handson-iam-role-policy", _seed(ROLE_POLICY_FILE))]
    found = analyse_named(user, role, "abc")
    return [(f.action, str(f.statement)) for f in found if f.id == "P1"]


def test_the_consoles_iamuserchangepassword_is_no_finding() -> None:
    assert _p1(aws_managed=True) == []
    assert _p1(aws_managed=True, name="arn:aws:iam::aws:policy/IAMUserChangePassword") == []


def test_the_same_grants_written_by_the_learner_are_still_measured() -> None:
    assert _p1(aws_managed=False, name="my-password-policy") == [
        ("iam:GetAccountPasswordPolicy", "my-password-policy / #2")
    ]
