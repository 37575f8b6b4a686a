"""``{"AWS": "*"}`` in a trust policy: whether it reaches a service such as EC2 is not in AWS's
documents (``"Principal": "*"`` is: every principal), so the suite decides only where the answer
is the same either way, and otherwise says it cannot (handson.trust_policy)."""

from __future__ import annotations

from typing import Any

import pytest

from handson import i18n
from handson.trust_policy import TrustUndecided, trust_allows_service

EC2 = "ec2.amazonaws.com"
ALLOW_EC2 = {"Effect": "Allow", "Principal": {"Service": EC2}, "Action": "sts:AssumeRole"}


def trust(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def every_account(effect: str = "Allow", **more: Any) -> dict[str, Any]:
    return {"Effect": effect, "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole", **more}


def test_every_account_alone_is_not_decided_and_says_what_to_write() -> None:
    with pytest.raises(TrustUndecided) as caught:
        trust_allows_service(trust(every_account(Sid="Anyone")), EC2)
    assert (caught.value.sid, caught.value.key) == ("Anyone", "gap.trust_aws_star")
    said = i18n.t(caught.value.key, sid=caught.value.sid)
    assert '"AWS": "*"' in said and '"Service": "ec2.amazonaws.com"' in said


@pytest.mark.parametrize(
    "beside",
    [
        every_account(),  # allowed anyway
        every_account(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}),
        {**every_account(), "Principal": {"AWS": ["*"], "Service": EC2}},  # EC2 named too
    ],
)
def test_ec2_named_beside_every_account_is_decided(beside: dict[str, Any]) -> None:
    """Each reading allows EC2: an Allow of every account, with a Condition or not, adds to it."""
    allowed, why = trust_allows_service(trust(ALLOW_EC2, beside), EC2)
    assert allowed is True, why


@pytest.mark.parametrize(
    "denied",
    [
        every_account("Deny"),
        every_account("Deny", Condition={"Bool": {"aws:SecureTransport": "false"}}),
    ],
)
def test_a_deny_of_every_account_beside_ec2_is_not_decided(denied: dict[str, Any]) -> None:
    """Read as reaching services, it denies EC2 too; read otherwise, it does not."""
    with pytest.raises(TrustUndecided) as caught:
        trust_allows_service(trust(ALLOW_EC2, denied), EC2)
    assert caught.value.key == "gap.trust_aws_star"


def test_a_condition_on_ec2_s_own_statement_is_still_the_condition_s() -> None:
    conditional = {**ALLOW_EC2, "Sid": "Mine", "Condition": {"StringEquals": {"a": "b"}}}
    with pytest.raises(TrustUndecided) as caught:
        trust_allows_service(trust(conditional), EC2)
    assert (caught.value.sid, caught.value.key) == ("Mine", "gap.trust_condition")
    with pytest.raises(ValueError, match=r"^Mine$"):  # as callers of the plain ValueError read it
        trust_allows_service(trust(conditional), EC2)
