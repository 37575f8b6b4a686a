"""How the tests write a design: a copy of the seed's policy documents, changed in place by
one edit (tests/helpers/mutations.py's broken and equivalent designs, undecided_designs.py's),
and written as a policy folder a run reads."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handson.policies import ROLE_POLICY_FILE, SEED_DIR, TRUST_POLICY_FILE, USER_POLICY_FILE

Documents = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Mutation:
    name: str
    why: str
    change: Callable[[Documents], None]
    fails: frozenset[str]  # the checkpoints whose scenarios must fail, and no others
    # For a mistake outside the policy files: the run's environment (tests/plugins/fail_injector).
    env: tuple[tuple[str, str], ...] = ()
    # A correct design's lesson findings, (kind, action) each: a grant of the hands-on's policy
    # that no checkpoint needs, done without, is P2's under-grant and no checkpoint's failure.
    lessons: frozenset[tuple[str, str]] = frozenset()

    def write(self, directory: Path) -> Path:
        docs = {
            name: json.loads((SEED_DIR / name).read_text("utf-8"))
            for name in (USER_POLICY_FILE, ROLE_POLICY_FILE, TRUST_POLICY_FILE)
        }
        self.change(docs)
        directory.mkdir(parents=True, exist_ok=True)
        for name, doc in docs.items():
            (directory / name).write_text(json.dumps(doc, ensure_ascii=False, indent=2), "utf-8")
        return directory


def statement_of(doc: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in doc["Statement"] if s.get("Sid") == sid)


def add_actions(file: str, sid: str, *actions: str) -> Callable[[Documents], None]:
    def change(docs: Documents) -> None:
        statement_of(docs[file], sid)["Action"].extend(actions)

    return change


def set_element(file: str, sid: str, key: str, value: Any) -> Callable[[Documents], None]:
    def change(docs: Documents) -> None:
        statement_of(docs[file], sid)[key] = value

    return change


def remove_action(file: str, sid: str, action: str) -> Callable[[Documents], None]:
    def change(docs: Documents) -> None:
        statement_of(docs[file], sid)["Action"].remove(action)

    return change


def remove_statement(file: str, sid: str) -> Callable[[Documents], None]:
    def change(docs: Documents) -> None:
        docs[file]["Statement"].remove(statement_of(docs[file], sid))

    return change


def add_statement(file: str, statement: dict[str, Any]) -> Callable[[Documents], None]:
    def change(docs: Documents) -> None:
        docs[file]["Statement"].append(statement)

    return change
