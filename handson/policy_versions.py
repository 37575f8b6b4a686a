"""A hands-on policy edited in the console since it was the hands-on's: the version to go back to.

Editing a customer managed policy in the IAM console makes a new version its default and keeps
the earlier ones (up to five). Where the default version of handson-iam-user-policy or
handson-iam-role-policy differs from the hands-on's policy and an earlier version is the
hands-on's, the run says which one, and how to make it the default again: what a learner who
tried something and broke it most wants to know. Read-only (ListPolicyVersions,
GetPolicyVersion); the comparison is of what the documents allow, not of their spelling.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from handson.i18n import t
from handson.intended import CONSOLE_NAMES, seed_policy

if TYPE_CHECKING:
    from handson.discovery import Discovery


def same_grants(one: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    """Whether two policy documents say the same: their statements alike in any order, each
    without its Sid, a list's entries in any order, a single value as a list of one."""
    return _canonical(one) == _canonical(other)


def _canonical(document: Mapping[str, Any]) -> tuple[str, list[str]]:
    statements = document.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    said = sorted(json.dumps(_statement(s), sort_keys=True) for s in statements)
    return str(document.get("Version")), said


def _statement(statement: Any) -> Any:
    if not isinstance(statement, Mapping):
        return statement
    return {key: _value(value) for key, value in statement.items() if key != "Sid"}


def _value(value: Any) -> Any:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        return sorted(
            v if isinstance(v, str) else json.dumps(_value(v), sort_keys=True) for v in value
        )
    if isinstance(value, Mapping):
        return {key: _value(v) for key, v in value.items()}
    return value


def document_of(value: Any) -> dict[str, Any]:
    """A policy document as IAM answers it: URL-encoded JSON (or, from a stub, the object)."""
    return dict(json.loads(unquote(value))) if isinstance(value, str) else dict(value)


def back_to_the_hands_on(
    iam: Any, policies: Iterable[tuple[str, str, str | None, Mapping[str, Any]]], name: str
) -> list[str]:
    """A line for each of the hands-on's policies (``policies``: its file, the policy's ARN, its
    default version and document, as found) whose default version is not the hands-on's and an
    earlier version is, with ``name`` (the learner's buckets') in the hands-on's."""
    lines = []
    for file, arn, default, document in policies:
        hands_on = seed_policy(file, name)
        if hands_on is None or same_grants(document, hands_on.document):
            continue
        versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
        for version in sorted(versions, key=lambda v: v["CreateDate"], reverse=True):
            if version["VersionId"] == default:
                continue
            found = iam.get_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
            if same_grants(document_of(found["PolicyVersion"]["Document"]), hands_on.document):
                lines.append(
                    t(
                        "discovery.version_as_hands_on",
                        policy=CONSOLE_NAMES[file],
                        default=default,
                        version=version["VersionId"],
                    )
                )
                break
    return lines


def as_found(found: Discovery) -> list[tuple[str, str, str | None, Mapping[str, Any]]]:
    """The hands-on's own policies among those found on the user and the role, as
    :func:`back_to_the_hands_on` takes them: customer managed ones, by the console's names."""
    files = {name: file for file, name in CONSOLE_NAMES.items()}
    return [
        (files[p.name], p.arn, p.version, p.document)
        for p in (*found.user_policies, *found.role_policies)
        if p.kind == "managed" and p.arn and p.name in files
    ]
