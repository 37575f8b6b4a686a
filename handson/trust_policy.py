"""Whether a role's trust policy lets a service assume the role: the emulator's EC2 hands an
instance its role's credentials only then (handson/targets/emulator_ec2.py), and every role check
fails with the trust policy's mistake when it does not (fixtures/principals.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from handson.i18n import listed, t
from handson.iam_engine import (
    DENY,
    NamedPolicy,
    Request,
    any_resource,
    statement_applies,
    statements,
    unconditioned,
    wildcard_match,
)
from handson.policies import PolicyDocument


class TrustUndecided(ValueError):
    """The suite cannot say whether the trust policy lets the service assume the role: ``sid``
    names the statement, ``key`` the message that says why (a Condition, the default)."""

    def __init__(self, sid: str, key: str = "gap.trust_condition") -> None:
        super().__init__(sid)
        self.sid, self.key = sid, key


def trust_allows_service(document: PolicyDocument, service: str) -> tuple[bool, str]:
    """Whether a trust policy lets ``service`` call sts:AssumeRole, and why.

    Raises ``TrustUndecided`` (a ``ValueError``) when a statement that names the service has a
    Condition: the answer then depends on a request context the suite does not model; and when
    the answer hangs on whether ``{"AWS": "*"}`` reaches a service, which AWS's documents do not
    say (``"Principal": "*"`` does: every principal). It is read three ways (not reaching
    services; reaching them, its statements with a Condition left out; reaching them, those
    taken as met), and decides only when all three agree.
    """
    narrow, _ = _trust_decides(document, service, AwsStar.NOT_SERVICES)
    for reading in (AwsStar.UNCONDITIONED, AwsStar.ALL):
        (allowed, _), sid = _trust_decides(document, service, reading)
        if allowed != narrow[0]:
            raise TrustUndecided(sid, "gap.trust_aws_star")
    return narrow


class AwsStar(Enum):
    """How a reading takes a trust statement's ``{"AWS": "*"}`` for a service."""

    NOT_SERVICES = "not services"
    UNCONDITIONED = "services, without a Condition"
    ALL = "services, a Condition taken as met"


def _trust_decides(
    document: PolicyDocument, service: str, reading: AwsStar
) -> tuple[tuple[bool, str], str]:
    """The answer under one reading of ``{"AWS": "*"}``, and the last statement naming it."""
    allowed_by = None
    aws_star = ""
    assume = Request(action="sts:AssumeRole", resource="*")
    written: list[str] = []  # every service the trust policy names: a slip shows among them
    for statement in statements(NamedPolicy("trust policy", document)):
        principals = statement.body.get("Principal")
        by_star = False  # the service is named only by {"AWS": "*"}
        if principals == "*":
            names: list[str] = ["*"]
        elif isinstance(principals, Mapping):
            found = principals.get("Service")
            names = [str(p) for p in (found if isinstance(found, list) else [found]) if p]
            accounts = principals.get("AWS")
            if "*" in (accounts if isinstance(accounts, list) else [accounts]):
                aws_star = statement.sid
                named = any(wildcard_match(n, service, case_sensitive=False) for n in names)
                if reading is not AwsStar.NOT_SERVICES and not named:
                    names, by_star = ["*"], True
        else:
            names = []
        if not by_star:
            written.extend(n for n in names if n not in written)
        if not any(wildcard_match(n, service, case_sensitive=False) for n in names):
            continue
        if not statement_applies(any_resource(unconditioned(statement)), assume):
            continue
        if statement.body.get("Condition"):
            if not by_star:
                raise TrustUndecided(statement.sid)  # the statement whose Condition decides
            if reading is AwsStar.UNCONDITIONED:
                continue
        if statement.effect == DENY:
            return (False, t("trust.denies", sid=statement.sid, service=service)), aws_star
        allowed_by = allowed_by or statement.sid
    if allowed_by:
        return (True, t("trust.allows", sid=allowed_by, service=service)), aws_star
    if written:
        return (False, t("trust.none_named", service=service, named=listed(written))), aws_star
    return (False, t("trust.none", service=service)), aws_star
