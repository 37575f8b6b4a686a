"""Which statements of a policy document concern a call.

Used to declare where the emulator cannot decide a check (it ignores identity-policy conditions)
and to tell whether a trust policy lets a service assume a role. This is a matcher, not an IAM
evaluator: a statement's ``Condition`` is reported as applying, never decided.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from handson.policies import PolicyDocument


@dataclass(frozen=True)
class MatchedStatement:
    sid: str
    effect: str
    has_condition: bool
    statement: dict[str, Any]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def statements(document: PolicyDocument) -> list[dict[str, Any]]:
    return _as_list(document.get("Statement"))


def _iam_glob(pattern: str, value: str, *, case_sensitive: bool) -> bool:
    parts = (re.escape(p) for p in re.split(r"(\*|\?)", pattern))
    regex = "".join(".*" if p == r"\*" else "." if p == r"\?" else p for p in parts)
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.fullmatch(regex, value, flags | re.DOTALL) is not None


def action_matches(statement: dict[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(
            _iam_glob(p, action, case_sensitive=False) for p in _as_list(statement["NotAction"])
        )
    return any(
        _iam_glob(p, action, case_sensitive=False) for p in _as_list(statement.get("Action"))
    )


def resource_matches(statement: dict[str, Any], resource: str) -> bool:
    if "NotResource" in statement:
        return not any(
            _iam_glob(p, resource, case_sensitive=True) for p in _as_list(statement["NotResource"])
        )
    return any(
        _iam_glob(p, resource, case_sensitive=True) for p in _as_list(statement.get("Resource"))
    )


def matching_statements(
    documents: Iterable[PolicyDocument], action: str, resource: str
) -> list[MatchedStatement]:
    """Statements whose Action/NotAction and Resource/NotResource cover the call."""
    found = []
    for document in documents:
        for index, statement in enumerate(statements(document), start=1):
            if action_matches(statement, action) and resource_matches(statement, resource):
                found.append(
                    MatchedStatement(
                        sid=str(statement.get("Sid", f"#{index}")),
                        effect=str(statement.get("Effect")),
                        has_condition=bool(statement.get("Condition")),
                        statement=statement,
                    )
                )
    return found


def trust_allows_service(document: PolicyDocument, service: str) -> tuple[bool, str]:
    """Whether a trust policy lets ``service`` call sts:AssumeRole, and why.

    Raises ``ValueError`` when a statement that concerns the service has a Condition: the answer
    then depends on a request context the suite does not model.
    """
    allowed_by = None
    for index, statement in enumerate(statements(document), start=1):
        principals = statement.get("Principal")
        if principals == "*":
            names: list[str] = ["*"]
        elif isinstance(principals, dict):
            names = [str(p) for p in _as_list(principals.get("Service"))]
        else:
            names = []
        if not any(_iam_glob(n, service, case_sensitive=False) for n in names):
            continue
        if not action_matches(statement, "sts:AssumeRole"):
            continue
        sid = str(statement.get("Sid", f"#{index}"))
        if statement.get("Condition"):
            raise ValueError(f"trust statement {sid} has a Condition")
        if statement.get("Effect") == "Deny":
            return False, f"trust statement {sid} denies {service}"
        allowed_by = allowed_by or sid
    if allowed_by:
        return True, f"trust statement {allowed_by} allows {service}"
    return False, f"no trust statement allows {service} to call sts:AssumeRole"


def _describe(match: MatchedStatement) -> str:
    statement = match.statement
    action = statement.get("Action", statement.get("NotAction"))
    resource = statement.get("Resource", statement.get("NotResource"))
    text = f"{match.effect} statement {match.sid}: Action {action} on Resource {resource}"
    if match.has_condition:
        text += f", but only if its Condition holds: {statement['Condition']}"
    return text


def explain(
    documents: Iterable[PolicyDocument], action: str, resource: str, observed_allowed: bool
) -> str:
    """Which statements decide ``action`` on ``resource``, from the policy documents alone.

    A Condition is shown as a condition that applies, never as decided.
    """
    matched = matching_statements(documents, action, resource)
    if observed_allowed:
        allows = [m for m in matched if m.effect == "Allow"]
        if not allows:
            return (
                f"no statement of these policies allows {action} on {resource}; the allow "
                "comes from somewhere else (another attached policy, or the target itself)"
            )
        return "allowed by:\n  " + "\n  ".join(_describe(m) for m in allows)
    denies = [m for m in matched if m.effect == "Deny"]
    if denies:
        return "denied by:\n  " + "\n  ".join(_describe(m) for m in denies)
    allows = [m for m in matched if m.effect == "Allow"]
    if allows:
        return "only these statements would allow it, each under a condition:\n  " + "\n  ".join(
            _describe(m) for m in allows
        )
    return f"no statement of these policies allows {action} on {resource} (implicit deny)"
