"""A failure's hint, with what the lint says of the statement that should have decided it: R4
failing because the role's statement says ``s3:GetObjects`` is told that there is no such action,
and that ``s3:GetObject`` is the nearest name."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from handson.i18n import t
from handson.permissions import lint
from handson.permissions.findings import Kind, PermissionFinding, Principal
from handson.policies import USER_POLICY_FILE
from handson.policy_match import ResourceHint

Hint = Callable[..., str]


@functools.lru_cache(maxsize=32)
def _linted(file: str, document: str) -> tuple[PermissionFinding, ...]:
    principal = Principal.USER if file == USER_POLICY_FILE else Principal.ROLE
    return tuple(lint.lint(file, json.loads(document), principal))


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
    file: str, documents: Sequence[Mapping[str, Any]], action: str, said_of: str | None = None
) -> list[str]:
    """The lint findings, in the run's language, of the statements that concern ``action``;
    but not that the Resource of statement ``said_of`` is no resource of the action, where the
    hint has said so of it already."""
    notes: list[str] = []
    for document in documents:
        linted = _linted(file, json.dumps(document, sort_keys=True))
        notes += [f.text() for f in linted if _about(f, action) and not _said(f, said_of)]
    return notes


def _said(finding: PermissionFinding, said_of: str | None) -> bool:
    where = finding.statement
    return (
        finding.kind is Kind.RESOURCE_MISMATCH and where is not None and where.statement == said_of
    )


def hint_with_lint(
    hint: Hint,
    file: str,
    documents: Sequence[Mapping[str, Any]],
    action: str,
    resource: str,
    observed_allowed: bool,
    context: Mapping[str, Any] | None = None,
) -> str:
    """``hint``'s words, then the lint's of the statement that concerns the action (if any)."""
    said = hint(documents, action, resource, observed_allowed, context)
    said_of = said.sid if isinstance(said, ResourceHint) else None
    for note in lint_notes(file, documents, action, said_of):
        said = t("practices.hint_lint", hint=said, lint=note) if said else note
    return said
