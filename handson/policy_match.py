"""Why a call was decided as it was, in words, from the policy documents: by the same engine that
decides on the emulator (handson.iam_engine), so that what a report explains is what decided.

Also whether a trust policy lets a service assume a role (the emulator's EC2 hands an instance
its role's credentials only then).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from handson.iam_engine import (
    ALLOW,
    DENY,
    NamedPolicy,
    Request,
    Statement,
    any_resource,
    decide,
    statement_applies,
    statements,
    unconditioned,
    wildcard_match,
)
from handson.policies import PolicyDocument


def named(documents: Iterable[PolicyDocument]) -> list[NamedPolicy]:
    return [NamedPolicy(f"policy {n}", d) for n, d in enumerate(documents, start=1)]


def trust_allows_service(document: PolicyDocument, service: str) -> tuple[bool, str]:
    """Whether a trust policy lets ``service`` call sts:AssumeRole, and why.

    Raises ``ValueError`` when a statement that concerns the service has a Condition: the answer
    then depends on a request context the suite does not model.
    """
    allowed_by = None
    assume = Request(action="sts:AssumeRole", resource="*")
    for statement in statements(NamedPolicy("trust policy", document)):
        principals = statement.body.get("Principal")
        if principals == "*":
            names: list[str] = ["*"]
        elif isinstance(principals, Mapping):
            found = principals.get("Service")
            names = [str(p) for p in (found if isinstance(found, list) else [found]) if p]
        else:
            names = []
        if not any(wildcard_match(n, service, case_sensitive=False) for n in names):
            continue
        if not statement_applies(any_resource(unconditioned(statement)), assume):
            continue
        if statement.body.get("Condition"):
            raise ValueError(f"trust statement {statement.sid} has a Condition")
        if statement.effect == DENY:
            return False, f"trust statement {statement.sid} denies {service}"
        allowed_by = allowed_by or statement.sid
    if allowed_by:
        return True, f"trust statement {allowed_by} allows {service}"
    return False, f"no trust statement allows {service} to call sts:AssumeRole"


def _describe(statement: Statement) -> str:
    body = statement.body
    action = body.get("Action", body.get("NotAction"))
    resource = body.get("Resource", body.get("NotResource"))
    text = f"{statement.effect} statement {statement.sid}: Action {action} on Resource {resource}"
    if body.get("Condition"):
        text += f", Condition {body['Condition']}"
    return text


def _shown(context: Mapping[str, Any]) -> str:
    if not context:
        return "the request carries none of its keys"
    return ", ".join(f"{k} = {v!r}" for k, v in context.items())


def explain(
    documents: Iterable[PolicyDocument],
    action: str,
    resource: str,
    observed_allowed: bool,
    context: Mapping[str, Any] | None = None,
) -> str:
    """Which statements decide ``action`` on ``resource`` in this request's context."""
    policies = named(documents)
    request = Request(action=action, resource=resource, context=dict(context or {}))
    verdict = decide(request, policies)
    if verdict.decision == DENY and verdict.statement is not None:
        return "denied by:\n  " + _describe(verdict.statement)
    if verdict.decision == ALLOW and verdict.statement is not None:
        return "allowed by:\n  " + _describe(verdict.statement)
    if observed_allowed:
        return (
            f"no statement of these policies allows {action} on {resource}; the allow "
            "comes from somewhere else (another attached policy, or the target itself)"
        )
    # Implicit deny: name the statements whose condition alone kept them from allowing.
    held_back = [
        s
        for p in policies
        for s in statements(p)
        if s.effect == ALLOW
        and s.body.get("Condition")
        and statement_applies(unconditioned(s), request)
    ]
    if held_back:
        return (
            "only these statements would allow it, and their Condition does not hold for this "
            f"request ({_shown(request.context)}):\n  "
            + "\n  ".join(_describe(s) for s in held_back)
        )
    return f"no statement of these policies allows {action} on {resource} (implicit deny)"
