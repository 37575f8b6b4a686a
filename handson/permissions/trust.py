"""Who may assume the role (P2): its trust policy against the hands-on's, where EC2 alone does.

The role's permissions are what whoever assumes it can do. A trust policy that lets another
principal assume it hands those permissions on: every AWS account's principals
(``"Principal": "*"`` or ``{"AWS": "*"}``), an account or a user, another service. Each such
principal in an Allow statement for ``sts:AssumeRole`` (or its SAML and web-identity kin) is a
finding of P2, unless a Deny statement without a Condition takes it back; an Allow with a
Condition is one too, said as depending on it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from handson.iam_engine import (
    DENY,
    NamedPolicy,
    Request,
    Statement,
    any_resource,
    statement_applies,
    statements,
    unconditioned,
)
from handson.permissions.catalogue import EXPOSURE
from handson.permissions.findings import CHECK_IDS, Kind, PermissionFinding, Principal, Where

INTENDED = ("Service", "ec2.amazonaws.com")  # the hands-on's: EC2, to give an instance the role
ASSUMING = ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity")
EVERYONE = ("AWS", "*")  # "Principal": "*" reads as this too


def findings(trust: NamedPolicy) -> list[PermissionFinding]:
    """A finding for each principal besides EC2 that the trust policy lets assume the role."""
    found: list[PermissionFinding] = []
    held = statements(trust)
    for statement in held:
        if statement.effect == DENY or not _assumes(statement):
            continue
        for principal in _principals(statement.body.get("Principal")):
            if _is(principal, INTENDED) or _taken_back(held, principal):
                continue
            found.append(_finding(statement, principal))
    return found


def _assumes(statement: Statement) -> bool:
    plain = any_resource(unconditioned(statement))
    return any(statement_applies(plain, Request(action=a, resource="*")) for a in ASSUMING)


def _principals(value: Any) -> Iterator[tuple[str, str]]:
    """(kind, name) for each principal a Principal element names: ``("AWS", "*")`` for ``*``."""
    if value == "*":
        yield EVERYONE
        return
    if isinstance(value, Mapping):
        for kind, names in value.items():
            for name in names if isinstance(names, list) else [names]:
                yield str(kind), str(name)


def _is(principal: tuple[str, str], other: tuple[str, str]) -> bool:
    return principal[0] == other[0] and principal[1].lower() == other[1].lower()


def _taken_back(held: list[Statement], principal: tuple[str, str]) -> bool:
    """A Deny without a Condition, for assuming the role, whose Principal names this principal
    or everyone, or whose NotPrincipal leaves it out."""
    for statement in held:
        if statement.effect != DENY or statement.body.get("Condition") or not _assumes(statement):
            continue
        named = list(_principals(statement.body.get("Principal")))
        if any(_is(p, EVERYONE) or _is(p, principal) for p in named):
            return True
        spared = list(_principals(statement.body.get("NotPrincipal")))
        if "NotPrincipal" in statement.body and not any(_is(p, principal) for p in spared):
            return True
    return False


_MESSAGES = {  # (everyone, with a Condition) -> the finding's words
    (True, False): "permissions.trust_everyone",
    (True, True): "permissions.trust_everyone_conditional",
    (False, False): "permissions.trust_other",
    (False, True): "permissions.trust_other_conditional",
}


def _finding(statement: Statement, principal: tuple[str, str]) -> PermissionFinding:
    everyone = _is(principal, EVERYONE)  # IAM takes no other wildcard in a principal
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
        fields={"statement": str(where), "principal": f'"{principal[0]}": "{principal[1]}"'},
        risk=(EXPOSURE,) if everyone else (),
        conditional=bool(condition),
        condition=condition if isinstance(condition, Mapping) else None,
    )
