"""What the least-privilege measure (P1, P2) and the policy lint found, as values.

A finding stays a value until it is shown: its message is a key of handson/messages/*.json with
its fields, put into words only by :meth:`PermissionFinding.text`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from handson.i18n import t


class Kind(StrEnum):
    OVER_GRANT = "over-grant"
    UNDER_GRANT = "under-grant"
    UNKNOWN_ACTION = "unknown-action"
    RESOURCE_MISMATCH = "resource-mismatch"
    CONDITION_KEY = "condition-key"
    WILDCARD = "wildcard"
    TRUST = "trust"  # P2: a principal besides EC2 that the trust policy lets assume the role
    ACCOUNT = "account"  # P3-P6: what the account holds (root keys, a user's keys, MFA)


class Principal(StrEnum):
    USER = "user"
    ROLE = "role"
    ACCOUNT = "account"  # P3-P6: the account, its root user, or the hands-on's user in it


# The measure's checkpoint per principal.
CHECK_IDS = {Principal.USER: "P1", Principal.ROLE: "P2"}


@dataclass(frozen=True)
class Where:
    """A statement: the file (or policy) it is in, and its Sid or position (``#2``)."""

    file: str
    statement: str

    def __str__(self) -> str:
        return f"{self.file} / {self.statement}"


@dataclass(frozen=True)
class PermissionFinding:
    id: str  # P1 (the user) or P2 (the role)
    principal: Principal
    kind: Kind
    action: str  # service:Action, or service:* for every action of a service
    resource: str
    statement: Where | None
    message: str  # a key of handson/messages/*.json
    fields: Mapping[str, Any] = field(default_factory=dict)
    access_level: str = ""
    risk: tuple[str, ...] = ()  # privilege-escalation(-step), resource-exposure
    lacking: tuple[str, ...] = ()  # for privilege-escalation-step: the actions it waits for
    # True when the grant holds only under a request context the hands-on's requests do not
    # carry; ``condition`` is the Condition that opens it, ``context`` the keys that meet it.
    conditional: bool = False
    condition: Mapping[str, Any] | None = None
    context: Mapping[str, Any] | None = None
    actions: tuple[str, ...] = ()  # for a service wildcard: the actions it stands for
    # The principal's permissions boundary, where it allows none of the actions: the policy
    # grants them all the same (the lesson stands), and the boundary denies them for now.
    boundary: str = ""
    # The statement is an AWS managed policy's (ReadOnlyAccess): taken off, not narrowed.
    aws_managed: bool = False

    def text(self) -> str:
        return t(self.message, **self.fields)

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "id": self.id,
            "principal": self.principal.value,
            "kind": self.kind.value,
            "action": self.action,
            "resource": self.resource,
            "statement": str(self.statement) if self.statement else None,
            "risk": list(self.risk),
            "conditional": self.conditional,
            "message": self.text(),
        }
        if self.lacking:
            found["escalation_lacks"] = list(self.lacking)
        if self.aws_managed:
            found["aws_managed"] = True
        if self.access_level:
            found["access_level"] = self.access_level
        if self.condition:
            found["condition"] = dict(self.condition)
        if self.context:
            found["context"] = dict(self.context)
        if self.boundary:
            found["boundary_denies"] = self.boundary
        return found


# The catalogue's access levels, the most severe first.
SEVERITY = ("Permissions management", "Write", "Tagging", "Read", "List")


def by_access_level(found: Iterable[PermissionFinding]) -> dict[str, list[PermissionFinding]]:
    """Over-grants grouped by the access level of their action (Write, Permissions management, ...),
    in the catalogue's order of severity."""
    order = [*SEVERITY, ""]
    groups: dict[str, list[PermissionFinding]] = {}
    for finding in found:
        if finding.kind is Kind.OVER_GRANT:
            groups.setdefault(finding.access_level, []).append(finding)
    return dict(sorted(groups.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99))
