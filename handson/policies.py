"""The three policy documents of the hands-on, as files a learner can replace with their own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handson.errors import SuiteUsageError

SEED_DIR = Path(__file__).resolve().parent.parent / "policies"
USER_POLICY_FILE = "handson-iam-user-policy.json"
ROLE_POLICY_FILE = "handson-iam-role-policy.json"
TRUST_POLICY_FILE = "handson-iam-role-trust-policy.json"

PolicyDocument = dict[str, Any]


@dataclass(frozen=True)
class PolicyFile:
    path: Path
    text: str  # as written, with the <自分の名前> placeholder

    def document(self, render: Any = None) -> PolicyDocument:
        text = render(self.text) if render else self.text
        return json.loads(text)


@dataclass(frozen=True)
class PolicySet:
    user: PolicyFile
    role: PolicyFile
    trust: PolicyFile

    def files(self) -> list[PolicyFile]:
        return [self.user, self.role, self.trust]


def load_policy_set(directory: Path | None = None) -> PolicySet:
    """Load and check a policy set; raise a one-line :class:`SuiteUsageError` naming a bad file.

    ``directory`` holds a learner's own files under the hands-on's names; the trust policy is
    optional there and falls back to the seed's.
    """
    base = SEED_DIR if directory is None else Path(directory)
    if not base.is_dir():
        raise SuiteUsageError(f"--policies {base}: not a directory")
    trust_path = base / TRUST_POLICY_FILE
    if not trust_path.exists():
        trust_path = SEED_DIR / TRUST_POLICY_FILE
    return PolicySet(
        user=_load(base / USER_POLICY_FILE, trust=False),
        role=_load(base / ROLE_POLICY_FILE, trust=False),
        trust=_load(trust_path, trust=True),
    )


def _load(path: Path, *, trust: bool) -> PolicyFile:
    if not path.is_file():
        raise SuiteUsageError(f"{path}: policy file is missing")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteUsageError(f"{path}: cannot read the policy file ({exc})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SuiteUsageError(
            f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    problem = _structure_problem(document, trust=trust)
    if problem:
        raise SuiteUsageError(f"{path}: {problem}")
    return PolicyFile(path=path, text=text)


def _structure_problem(document: Any, *, trust: bool) -> str | None:
    if not isinstance(document, dict):
        return "a policy must be a JSON object"
    if document.get("Version") not in ("2012-10-17", "2008-10-17"):
        return 'missing or unknown "Version" (the hands-on uses "2012-10-17")'
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        return 'needs a non-empty "Statement"'
    for index, statement in enumerate(statements, start=1):
        where = f"statement {index}"
        if not isinstance(statement, dict):
            return f"{where} is not a JSON object"
        if statement.get("Effect") not in ("Allow", "Deny"):
            return f'{where}: "Effect" must be "Allow" or "Deny"'
        if ("Action" in statement) == ("NotAction" in statement):
            return f'{where}: needs exactly one of "Action" or "NotAction"'
        if trust:
            if "Principal" not in statement and "NotPrincipal" not in statement:
                return f'{where}: a trust policy statement needs a "Principal"'
        elif ("Resource" in statement) == ("NotResource" in statement):
            return f'{where}: needs exactly one of "Resource" or "NotResource"'
        if "Principal" in statement and not trust:
            return f'{where}: an identity policy cannot have a "Principal"'
    return None
