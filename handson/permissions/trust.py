"""Who may assume the role (P2): its trust policy against the hands-on's, where EC2 alone does.

The role's permissions are what whoever assumes it can do. A trust policy that lets another
principal assume it hands those permissions on: every AWS account's principals
(``"Principal": "*"`` or ``{"AWS": "*"}``; an Allow with ``NotPrincipal``, everyone it does not
name), an account or a user, another service. Each such principal in an Allow statement for
``sts:AssumeRole`` (or its SAML and web-identity kin) is a finding of P2, unless a Deny statement
without a Condition takes it back; an Allow with a Condition is one too, said as depending on it.
A Deny of ``{"AWS": "*"}`` is read as taking back the AWS principals only (AWS does not document
that it reaches a service), so that no finding is hidden on a reading AWS may not share.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from handson.iam_engine import DENY, NamedPolicy, Statement, statements
from handson.permissions.catalogue import EXPOSURE
from handson.permissions.findings import CHECK_IDS, Kind, PermissionFinding, Principal, Where
from handson.trust_policy import ANYONE, EVERYONE, assumes, principals, slip_of

INTENDED = ("Service", "ec2.amazonaws.com")  # the hands-on's: EC2, to give an instance the role
ASSUMING = ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity")


def findings(trust: NamedPolicy) -> list[PermissionFinding]:
    """A finding for each principal besides EC2 that the trust policy lets assume the role."""
    found: list[PermissionFinding] = []
    held = statements(trust)
    for statement in held:
        if statement.effect == DENY or not assumes(statement, ASSUMING):
            continue
        if "NotPrincipal" in statement.body:  # everyone it does not name
            unnamed = ("NotPrincipal", json.dumps(statement.body["NotPrincipal"]))
            if not _taken_back(held, ANYONE):
                found.append(_finding(statement, unnamed, everyone=True))
            continue
        for principal in principals(statement.body.get("Principal")):
            if _is(principal, INTENDED) or _taken_back(held, principal) or _slipped(principal):
                continue
            found.append(_finding(statement, principal, everyone=principal in (ANYONE, EVERYONE)))
    return found


def _is(principal: tuple[str, str], other: tuple[str, str]) -> bool:
    return principal[0] == other[0] and principal[1].lower() == other[1].lower()


def _slipped(principal: tuple[str, str]) -> bool:
    """EC2's name with a space or a full-width character in it: no principal at all, and the
    verdicts already say how to write it (R1's reason); not another principal that may assume
    the role."""
    return principal[0] == INTENDED[0] and slip_of(principal[1], INTENDED[1])


def _taken_back(held: list[Statement], principal: tuple[str, str]) -> bool:
    """A Deny without a Condition, for assuming the role, whose Principal names this principal
    or everyone (``{"AWS": "*"}``: every AWS principal), or whose NotPrincipal leaves it out."""
    for statement in held:
        unconditioned_deny = statement.effect == DENY and not statement.body.get("Condition")
        if not unconditioned_deny or not assumes(statement, ASSUMING):
            continue
        named = list(principals(statement.body.get("Principal")))
        if any(_covers(p, principal) for p in named):
            return True
        spared = list(principals(statement.body.get("NotPrincipal")))
        if "NotPrincipal" in statement.body and not any(_is(p, principal) for p in spared):
            return True
    return False


def _covers(denied: tuple[str, str], principal: tuple[str, str]) -> bool:
    if denied == ANYONE or _is(denied, principal):
        return True
    return denied == EVERYONE and principal[0] == "AWS"


_MESSAGES = {  # (everyone, with a Condition) -> the finding's words
    (True, False): "permissions.trust_everyone",
    (True, True): "permissions.trust_everyone_conditional",
    (False, False): "permissions.trust_other",
    (False, True): "permissions.trust_other_conditional",
}


def _finding(statement: Statement, principal: tuple[str, str], everyone: bool) -> PermissionFinding:
    """``everyone``: every AWS account's principals (IAM takes no other wildcard in one)."""
    condition = statement.body.get("Condition")
    where = Where(statement.policy, statement.sid)
    return PermissionFinding(
        id=CHECK_IDS[Principal.ROLE],
        principal=Principal.ROLE,
        kind=Kind.TRUST,
        action="sts:AssumeRole",
        resource="",
        statement=where,
        message=_MESSAGES[everyone, bool(condition)],
        fields={"statement": str(where), "principal": _written(principal)},
        risk=(EXPOSURE,) if everyone else (),
        conditional=bool(condition),
        condition=condition if isinstance(condition, Mapping) else None,
    )


def _written(principal: tuple[str, str]) -> str:
    """The principal as the policy writes it: ``"Principal": "*"``, ``"AWS": "111122223333"``."""
    kind, name = principal
    if principal == ANYONE:
        return '"Principal": "*"'
    if kind == "NotPrincipal":
        return f'"NotPrincipal": {name}'
    return f'"{kind}": "{name}"'
