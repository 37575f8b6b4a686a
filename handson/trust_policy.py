"""Whether a role's trust policy lets a service assume the role: the emulator's EC2 hands an
instance its role's credentials only then (handson/targets/emulator_ec2.py), and every role check
fails with the trust policy's mistake when it does not (fixtures/principals.py).
"""

from __future__ import annotations

import difflib
import json
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from enum import Enum
from typing import Any

from handson.i18n import listed, t
from handson.iam_engine import (
    DENY,
    NamedPolicy,
    Request,
    Statement,
    any_resource,
    statement_applies,
    statements,
    unconditioned,
    wildcard_match,
)
from handson.policies import PolicyDocument

ANYONE = ("*", "*")  # "Principal": "*": every principal, services too
EVERYONE = ("AWS", "*")  # {"AWS": "*"}: every AWS account's principals


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
    written: list[str] = []  # every service the trust policy names: a slip shows among them
    for statement in statements(NamedPolicy("trust policy", document)):
        named = list(principals(statement.body.get("Principal")))
        names = ["*"] if ANYONE in named else [name for kind, name in named if kind == "Service"]
        written.extend(n for n in names if n not in written)
        by_star = False  # the service is named only by {"AWS": "*"}
        if EVERYONE in named:
            aws_star = statement.sid
            if reading is not AwsStar.NOT_SERVICES and not _names(names, service):
                names, by_star = ["*"], True
        if not _names(names, service) or not assumes(statement, ("sts:AssumeRole",)):
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
    slips = [name for name in written if slip_of(name, service)]
    if slips:
        return (False, t("trust.slip", written=_shown(slips[0]), service=service)), aws_star
    near = [name for name in written if near_miss(name, service)]
    if near:
        return (False, t("trust.near", written=_shown(near[0]), service=service)), aws_star
    if written:
        shown = listed(_shown(name) for name in written)
        return (False, t("trust.none_named", service=service, named=shown)), aws_star
    return (False, t("trust.none", service=service)), aws_star


def slip_of(name: str, service: str) -> bool:
    """Whether ``name`` is ``service`` but for spaces or full-width characters: a slip that the
    eye does not see ("ec2.amazonaws.com ", "ｅｃ２.amazonaws.com")."""
    plain = "".join(unicodedata.normalize("NFKC", name).split())
    return name != plain and plain.casefold() == service.casefold()


def near_miss(name: str, service: str) -> bool:
    """Whether ``name`` is another name a letter or two away from ``service`` (a typo such as
    "ec2.amazonaw.com"): it is said as close to it, where the reason named it among others."""
    close = difflib.SequenceMatcher(None, name.casefold(), service.casefold()).ratio()
    return name.casefold() != service.casefold() and close >= NEAR


# How alike two service names are to be a letter or two apart: "ec2.amazonaw.com" is 0.97 from
# "ec2.amazonaws.com", "ecs.amazonaws.com" 0.94; "ssm.amazonaws.com" 0.82, "lambda..." 0.76.
NEAR = 0.9


def _shown(name: str) -> str:
    """A name as the policy's JSON has it: in quotes, so that a space at either end shows."""
    return json.dumps(name, ensure_ascii=False)


def _names(names: list[str], service: str) -> bool:
    return any(wildcard_match(n, service, case_sensitive=False) for n in names)


def principals(value: Any) -> Iterator[tuple[str, str]]:
    """(kind, name) for each principal a Principal (or NotPrincipal) element names: ANYONE for
    a bare ``"*"``, ``("AWS", "*")`` (EVERYONE) for ``{"AWS": "*"}``, ``("Service", ...)``."""
    if value == "*":
        yield ANYONE
        return
    if isinstance(value, Mapping):
        for kind, names in value.items():
            for name in names if isinstance(names, list) else [names]:
                if name:
                    yield str(kind), str(name)


def assumes(statement: Statement, actions: Iterable[str]) -> bool:
    """Whether the statement, its Condition and Resource aside, concerns one of ``actions``."""
    plain = any_resource(unconditioned(statement))
    return any(statement_applies(plain, Request(action=a, resource="*")) for a in actions)
