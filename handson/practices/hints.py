"""A failure's hint, with what the lint says of the statement that should have decided it: R4
failing because the role's statement says ``s3:GetObjects`` is told that there is no such action,
and that ``s3:GetObject`` is the nearest name."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from handson.i18n import t
from handson.iam_engine import statement_in, statements
from handson.permissions import lint
from handson.permissions.findings import Kind, PermissionFinding, Principal
from handson.policies import USER_POLICY_FILE
from handson.policy_match import Policies, ResourceHint, meant_for, named

Hint = Callable[..., str]


@functools.lru_cache(maxsize=32)
def _linted(name: str, document: str, principal: Principal) -> tuple[PermissionFinding, ...]:
    return tuple(lint.lint(name, json.loads(document), principal))


def _about(
    finding: PermissionFinding,
    body: Mapping[str, Any],
    action: str,
    resource: str,
    observed_allowed: bool,
) -> bool:
    """Whether a lint finding of statement ``body`` may be why ``action`` on ``resource`` was
    allowed (``observed_allowed``) or denied. A misspelled action or a Resource that is no
    resource of the action makes an Allow statement allow less, which explains a denial, and a
    Deny statement deny less, which explains an allowance; a Resource only for a request the
    statement may have been meant for (R6 allowed on bucket 2 is not told that ForS31, on
    bucket 1's ARN alone, allows no s3:GetObject)."""
    wanted = action.lower()
    allows = str(body.get("Effect")) == "Allow"
    if finding.kind is Kind.UNKNOWN_ACTION:
        named = str(finding.fields.get("nearest", "")).lower() == wanted
        return named and allows != observed_allowed
    if finding.kind is Kind.RESOURCE_MISMATCH:
        patterns = lint.as_list(body.get("Resource"))
        return (
            finding.action.lower() == wanted
            and allows != observed_allowed
            and meant_for(patterns, resource)
        )
    if finding.kind is Kind.CONDITION_KEY:
        actions = str(finding.fields.get("actions", "")).lower().split(", ")
        return wanted in actions
    return False


def lint_notes(
    file: str,
    documents: Policies,
    action: str,
    resource: str,
    observed_allowed: bool,
    said_of: str | None = None,
) -> list[str]:
    """The lint findings, in the run's language, of the statements that may be why ``action``
    on ``resource`` was allowed or denied (:func:`_about`); but not that the Resource of
    statement ``said_of`` (its label) is no resource of the action, where the hint has said so
    of it already. A policy with a name of its own (in an environment built by hand) is linted
    under it; the run's own documents, under ``file``."""
    principal = Principal.USER if file == USER_POLICY_FILE else Principal.ROLE
    notes: list[str] = []
    for policy in named(documents):
        document = json.dumps(policy.document, sort_keys=True)
        bodies = {s.sid: s.body for s in statements(policy)}
        for f in _linted(policy.name or file, document, principal):
            body = bodies.get(f.statement.statement, {}) if f.statement else {}
            if _about(f, body, action, resource, observed_allowed) and not _said(
                f, policy.name, said_of
            ):
                notes.append(f.text())
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
    """``hint``'s words, then the lint's of the statement that concerns the action (if any); a
    hint about a statement's Resource stays one (a ResourceHint, with its ``label``)."""
    said = hint(documents, action, resource, observed_allowed, context)
    said_of = said.label if isinstance(said, ResourceHint) else None
    for note in lint_notes(file, documents, action, resource, observed_allowed, said_of):
        said = t("practices.hint_lint", hint=said, lint=note) if said else note
    # Still about that statement's Resource, with what the lint says of it.
    return ResourceHint(said, said_of) if said_of is not None else said
