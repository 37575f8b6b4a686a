"""A failure's hint, with what the lint says of the statement that should have decided it: R4
failing because the role's statement says ``s3:GetObjects`` is told that there is no such action,
and that ``s3:GetObject`` is the nearest name."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from handson.i18n import t
from handson.iam_engine import statement_in
from handson.permissions import lint
from handson.permissions.findings import Kind, PermissionFinding, Principal
from handson.policies import USER_POLICY_FILE
from handson.policy_match import Policies, ResourceHint, named

Hint = Callable[..., str]


@functools.lru_cache(maxsize=32)
def _linted(name: str, document: str, principal: Principal) -> tuple[PermissionFinding, ...]:
    return tuple(lint.lint(name, json.loads(document), principal))


def _about(finding: PermissionFinding, action: str) -> bool:
    """Whether a lint finding is about the statement that would decide ``action``."""
    wanted = action.lower()
    if finding.kind is Kind.UNKNOWN_ACTION:
        return str(finding.fields.get("nearest", "")).lower() == wanted
    if finding.kind is Kind.RESOURCE_MISMATCH:
        return finding.action.lower() == wanted
    if finding.kind is Kind.CONDITION_KEY:
        actions = str(finding.fields.get("actions", "")).lower().split(", ")
        return wanted in actions
    return False


def lint_notes(
    file: str, documents: Policies, action: str, said_of: str | None = None
) -> list[str]:
    """The lint findings, in the run's language, of the statements that concern ``action``;
    but not that the Resource of statement ``said_of`` (its label) is no resource of the
    action, where the hint has said so of it already. A policy with a name of its own (in an
    environment built by hand) is linted under it; the run's own documents, under ``file``."""
    principal = Principal.USER if file == USER_POLICY_FILE else Principal.ROLE
    notes: list[str] = []
    for policy in named(documents):
        document = json.dumps(policy.document, sort_keys=True)
        linted = _linted(policy.name or file, document, principal)
        notes += [
            f.text() for f in linted if _about(f, action) and not _said(f, policy.name, said_of)
        ]
    return notes


def _said(finding: PermissionFinding, policy: str, said_of: str | None) -> bool:
    where = finding.statement
    if finding.kind is not Kind.RESOURCE_MISMATCH or where is None:
        return False
    return statement_in(policy, where.statement) == said_of


def hint_with_lint(
    hint: Hint,
    file: str,
    documents: Policies,
    action: str,
    resource: str,
    observed_allowed: bool,
    context: Mapping[str, Any] | None = None,
) -> str:
    """``hint``'s words, then the lint's of the statement that concerns the action (if any)."""
    said = hint(documents, action, resource, observed_allowed, context)
    said_of = said.label if isinstance(said, ResourceHint) else None
    for note in lint_notes(file, documents, action, said_of):
        said = t("practices.hint_lint", hint=said, lint=note) if said else note
    return said
