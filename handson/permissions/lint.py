"""Policy lint: what IAM accepts but never does what it says. Never stops a run.

- an action that does not exist, with the nearest real name (``s3:GetObjects`` -> ``s3:GetObject``);
- an action none of whose resource types the statement's ARNs fit, so that it is allowed on
  nothing (``s3:ListBucket`` on an object ARN, ``s3:GetObject`` on a bucket ARN);
- a condition key none of the statement's actions supports (``s3:prefix`` on ``s3:GetObject``);
  the global ``aws:`` keys are supported by every action;
- a wildcard that matches no action.

Every fact comes from the catalogue (handson.permissions.catalogue), none is written here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

import handson.permissions.catalogue as catalogue
from handson.iam_engine import statement_label, wildcard_match
from handson.permissions.findings import CHECK_IDS, Kind, PermissionFinding, Principal, Where

_POLICY_VARIABLE = re.compile(r"\$\{[^}]*\}")


def as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _wild(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def nearest(action: str) -> str | None:
    """The real action closest to a name that is not one (difflib), or None."""
    service, _, name = action.partition(":")
    known = catalogue.actions(service)
    if not known:
        services = difflib.get_close_matches(service.lower(), catalogue.services(), n=1)
        if not services:
            return None
        service, known = services[0], catalogue.actions(services[0])
        if name.lower() in known:
            return known[name.lower()].full
    names = {a.name.lower(): a for a in known.values()}
    close = difflib.get_close_matches(name.lower(), list(names), n=1, cutoff=0.6)
    return names[close[0]].full if close else None


def fits(resource: str, kind: catalogue.ResourceType) -> bool:
    """Whether a Resource entry can match an ARN of the resource type (a policy variable counts
    as any text)."""
    return kind.overlaps(_POLICY_VARIABLE.sub("*", resource))


def allowed_on_some(action: catalogue.Action, resources: list[str]) -> bool:
    if not action.resource_types:
        return any(wildcard_match(r, "*", case_sensitive=True) for r in resources)
    return any(fits(r, kind) for r in resources for kind in action.resource_types)


def _types_shown(typed: list[catalogue.ResourceType], resources: list[str]) -> str:
    """The resource types an action takes, as a learner reads them: of the types whose ARN has
    a Region and an account where the written ARNs have them (an S3 bucket's ARN has neither,
    an access point's both), so that an ARN of the bucket is set against the object's, not
    the access point's too; the partition as written."""

    def shape(arn: str) -> tuple[bool, bool]:
        parts = arn.split(":", 5)
        return (len(parts) > 4 and parts[3] != "", len(parts) > 4 and parts[4] != "")

    written = {shape(r) for r in resources}
    alike = [k for k in typed if shape(k.arn_format) in written] or typed
    partition = next((r.split(":")[1] for r in resources if r.count(":") >= 5), "${Partition}")
    shown = (f"{k.name} ({k.arn_format.replace('${Partition}', partition)})" for k in alike)
    return ", ".join(dict.fromkeys(shown))


def lint(file: str, document: Mapping[str, Any], principal: Principal) -> list[PermissionFinding]:
    """Every lint finding of one policy document, in the order of its statements."""
    found: list[PermissionFinding] = []
    statements = document.get("Statement")
    for index, body in enumerate(statements if isinstance(statements, list) else [statements], 1):
        if isinstance(body, Mapping):
            where = Where(file, statement_label(body, index))
            found.extend(_statement(where, body, principal))
    return found


def _statement(
    where: Where, body: Mapping[str, Any], principal: Principal
) -> list[PermissionFinding]:
    found: list[PermissionFinding] = []

    def add(kind: Kind, action: str, resource: str, message: str, **fields: Any) -> None:
        found.append(
            PermissionFinding(
                id=CHECK_IDS[principal],
                principal=principal,
                kind=kind,
                action=action,
                resource=resource,
                statement=where,
                message=message,
                fields={
                    "file": where.file,
                    "statement": where.statement,
                    "action": action,
                    **fields,
                },
            )
        )

    granted = "Action" in body
    resources = as_list(body.get("Resource"))
    shown = ", ".join(resources)
    reached: list[catalogue.Action] = []
    for pattern in as_list(body.get("Action", body.get("NotAction"))):
        if pattern == "*" or ":" not in pattern:
            continue  # every action; or no service prefix, which the grammar refuses
        if _wild(pattern):
            actions = catalogue.expand(pattern)
            if not actions:
                add(Kind.WILDCARD, pattern, shown, "permissions.wildcard")
                continue
        else:
            known = catalogue.action(pattern)
            if known is None:
                close = nearest(pattern)
                if close:
                    add(
                        Kind.UNKNOWN_ACTION,
                        pattern,
                        shown,
                        "permissions.unknown_action",
                        nearest=close,
                    )
                else:
                    add(Kind.UNKNOWN_ACTION, pattern, shown, "permissions.unknown_action_none")
                continue
            actions = [known]
        reached.extend(actions)
        if granted and resources and not any(allowed_on_some(a, resources) for a in actions):
            typed = [k for a in actions for k in a.resource_types]
            if typed:
                types = _types_shown(typed, resources)
                add(
                    Kind.RESOURCE_MISMATCH,
                    pattern,
                    shown,
                    "permissions.resource_mismatch",
                    types=types,
                    resources=shown,
                )
            else:
                add(
                    Kind.RESOURCE_MISMATCH,
                    pattern,
                    shown,
                    "permissions.resource_mismatch_star",
                    resources=shown,
                )
    if granted and reached and "*" not in as_list(body.get("Action")):
        found.extend(_condition_keys(where, body, reached, principal))
    return found


def _condition_keys(
    where: Where, body: Mapping[str, Any], reached: list[catalogue.Action], principal: Principal
) -> list[PermissionFinding]:
    condition = body.get("Condition")
    if not isinstance(condition, Mapping):
        return []
    found = []
    names = ", ".join(dict.fromkeys(a.full for a in reached))
    for block in condition.values():
        if not isinstance(block, Mapping):
            continue
        for key in block:
            if any(a.supports_key(str(key)) for a in reached):
                continue
            found.append(
                PermissionFinding(
                    id=CHECK_IDS[principal],
                    principal=principal,
                    kind=Kind.CONDITION_KEY,
                    action=names,
                    resource=", ".join(as_list(body.get("Resource"))),
                    statement=where,
                    message="permissions.condition_key",
                    fields={
                        "file": where.file,
                        "statement": where.statement,
                        "condition_key": key,
                        "actions": names,
                    },
                )
            )
    return found
