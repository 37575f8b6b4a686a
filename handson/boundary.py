"""A permissions boundary on a principal under test (``--permissions-boundary``): read from the
account before anything is made, and named where it is what denied a call.

A boundary is the most the identity policies can allow: a call they allow and it does not is
denied. The policy file is then not what to fix, and a hint drawn from the file alone named the
statement that allows the call as what decided, or asked for a statement that is there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from botocore.exceptions import ClientError

from handson.discovery import managed_policy
from handson.errors import SuiteUsageError
from handson.i18n import t
from handson.iam_engine import (
    ALLOW,
    NamedPolicy,
    Request,
    any_resource,
    decide,
    statement_applies,
    unconditioned,
)
from handson.names import aws_managed
from handson.permissions.findings import Kind, PermissionFinding
from handson.policy_match import HeldBack, Policies, describe, named


def read(iam: Any, arn: str) -> NamedPolicy | None:
    """The boundary's policy, as its default version says; one line when the account has none of
    that ARN (AWS would refuse the user and the role made with it, after the run made others).
    None where it may not be read (AccessDenied): the run goes on, its hints without it."""
    try:
        found = managed_policy(iam, arn, "boundary")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchEntity":
            raise SuiteUsageError(t("opt.boundary_missing", arn=arn)) from None
        return None
    return NamedPolicy(found.name, found.document, aws_managed=aws_managed(arn))


def held_back(
    documents: Policies,
    boundary: NamedPolicy | None,
    action: str,
    resource: str,
    observed_allowed: bool,
    context: Mapping[str, Any] | None = None,
) -> HeldBack | None:
    """The statement that allows a denied call, where the identity policies allow it and the
    ``boundary`` does not; None where the boundary is not what denied it."""
    if boundary is None or observed_allowed:
        return None
    policies = named(documents)
    request = Request(action=action, resource=resource, context=dict(context or {}))
    alone = decide(request, policies)
    if alone.decision != ALLOW or alone.statement is None:
        return None
    if decide(request, policies, boundary).allowed:
        return None
    allowing = alone.statement
    return HeldBack(
        allowing.policy,
        allowing.sid,
        allowing.effect,
        allowing.body,
        boundary.name,
        boundary_aws_managed=boundary.aws_managed,
    )


def keeps_from(boundary: NamedPolicy | None, actions: list[str]) -> bool:
    """Whether ``boundary`` allows none of ``actions``, on any resource and whatever its
    conditions: then it, whatever the policies allow, is what denied them (the SSM agent's calls,
    which R1 sees denied but not on what)."""
    if boundary is None or not actions:
        return False
    allows = [any_resource(unconditioned(s)) for s in boundary.statements if s.effect == ALLOW]
    return not any(
        statement_applies(s, Request(action=a, resource="*")) for s in allows for a in actions
    )


def kept_from(finding: PermissionFinding, boundary: NamedPolicy | None) -> PermissionFinding:
    """A lesson's over-grant (P1, P2), marked where the principal's ``boundary`` allows none of
    its actions: the policy grants them all the same, and what it says stays true of the policy;
    the principal is denied them only while the boundary stays."""
    if finding.kind is not Kind.OVER_GRANT or boundary is None:
        return finding
    if not keeps_from(boundary, list(finding.actions) or [finding.action]):
        return finding
    return replace(finding, boundary=boundary.name)


def hint(held: HeldBack, action: str) -> str:
    """The whole hint: the boundary to look at, not the statement that allows the call (an AWS
    managed one cannot have the action added: another boundary, or none)."""
    key = "hint.boundary_holds_aws" if held.boundary_aws_managed else "hint.boundary_holds"
    return t(key, sid=held.label, action=action, boundary=held.boundary)


def explanation(held: HeldBack, action: str) -> str:
    allowing = describe(held.allowing)
    return t("explain.boundary_holds", boundary=held.boundary, action=action, statement=allowing)
