"""The seed's policies with a change, and the findings of a kind: shared by the tests of P1 and
P2's measure (tests/unit/test_permission*.py)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from handson.permissions import PermissionFinding
from handson.permissions.findings import Kind
from handson.permissions.handson_world import seed_documents

NAME = "tanaka"
BUCKET2 = "arn:aws:s3:::handson-s3-2-<自分の名前>"
Documents = dict[str, dict[str, Any]]


def changed(change: Callable[[Documents], None]) -> Documents:
    documents = copy.deepcopy(seed_documents())
    change(documents)
    return documents


def with_statements(file: str, *statements: dict[str, Any]) -> Documents:
    return changed(lambda docs: docs[file]["Statement"].extend(statements))


def kinds(found: list[PermissionFinding], kind: Kind) -> list[PermissionFinding]:
    return [f for f in found if f.kind is kind]


def one(found: list[PermissionFinding], kind: Kind, action: str) -> PermissionFinding:
    matching = [f for f in found if f.kind is kind and f.action == action]
    assert len(matching) == 1, [f.as_dict() for f in found]
    return matching[0]
