"""A policy's grants, one ``(Sid, action)`` each, and the policy with one of them taken out: to
prove that a role or a permission file grants nothing that no recorded call needs
(tests/unit/test_sandbox_role.py, test_grading_role.py, test_live_permissions.py)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from handson.iam_engine import NamedPolicy
from tests.helpers.sandbox_role import role_policies


def _actions(statement: Mapping[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def document_grants(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(Sid, action)`` for every action of every statement of a policy document."""
    return [(s["Sid"], action) for s in document["Statement"] for action in _actions(s)]


def document_without(document: Mapping[str, Any], sid: str, action: str) -> dict[str, Any]:
    """The document with one action taken out of one statement (the statement dropped when it
    was its only action)."""
    statements = []
    for statement in document["Statement"]:
        left = [a for a in _actions(statement) if statement["Sid"] != sid or a != action]
        if left:
            statements.append({**statement, "Action": left})
    return {**document, "Statement": statements}


def _documents(template: Any, role: str) -> list[dict[str, Any]]:
    return [p["PolicyDocument"] for p in template["Resources"][role]["Properties"]["Policies"]]


def grants(template: Any, role: str) -> list[tuple[str, str]]:
    """``(Sid, action)`` for every action of the role's inline policies."""
    return [g for document in _documents(template, role) for g in document_grants(document)]


def policies_without(template: Any, role: str, sid: str, action: str) -> list[NamedPolicy]:
    """The role's policies with one action of one statement taken out."""
    changed: Any = copy.deepcopy(template)
    for policy in changed["Resources"][role]["Properties"]["Policies"]:
        policy["PolicyDocument"] = document_without(policy["PolicyDocument"], sid, action)
    return role_policies(changed, role)
