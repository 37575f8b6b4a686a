"""Two call records (``--record-calls``, handson/call_record.py) compared: what a real run called
that the offline run did not, and the reverse, and where the two got different answers.

A call is known by **who** made it, the **service**, the **operation**, its **IAM action** and the
**resource** it names. Normalised away, because they differ between any two runs:

- the run's name (``--name``, read from the run's record ``/handson-iam-acceptance/runs/<name>``)
  becomes ``<name>``, and any 12-digit account ID ``<account>``;
- the resource is only what names a thing by the suite's own names (bucket, key, user, role,
  instance profile, policy, security group, SSM parameter and document); IDs AWS makes up
  (instances, commands, security groups, VPCs, AMIs, versions), tags and filters (run ID, times)
  and the instance type (``auto``) are left out, as is the ``principal`` (the emulator's admin
  user offline, the sandbox role's session on AWS);
- how often a call was made: waiting and polling differ with time. Only a call made in one record
  and never in the other is a difference (its count is shown);
- answers the run retries: throttling anywhere, and on a call that was also answered ``ok`` what
  AWS answers about what is moments old (an authorization error or a refused key while IAM
  propagates, a new instance profile or instance not known yet, a bucket name still held, a role
  still counted in its profile, a command not known yet) or an answer that is not AWS's.

What is left is a difference a person acts on: a call made on one side only, or a call whose
answers differ (``ok`` offline and ``AccessDenied`` on AWS: the sandbox role lacks a permission).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handson.file_words import Unreadable, read_given
from handson.names import ACCOUNT_IN_TEXT
from handson.transient import NOT_AWS_CODE, NOT_NOW_CODES

# Parameters that name a resource by the suite's own names.
_RESOURCE = (
    "Bucket", "Key", "Prefix", "UserName", "RoleName", "InstanceProfileName", "PolicyArn",
    "PolicyName", "PolicySourceArn", "GroupName", "Name", "DocumentName",
)  # fmt: skip
_FIELDS = ("who", "service", "operation", "action", "outcome")
DENIED = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden", "403"}
)
_THROTTLED = frozenset(
    {"Throttling", "ThrottlingException", "RequestLimitExceeded", "SlowDown", "TooManyRequests"}
)
# What the run rides out until the same call is answered ok: IAM's propagation (a policy, a new
# key), EC2 not knowing a new instance profile or instance yet, S3 still holding a bucket name,
# IAM still counting a role in its profile, SSM not knowing a command yet, an answer not AWS's.
_RETRIED_BEFORE_OK = (
    DENIED
    | {
        "InvalidParameterValue",
        "InvalidClientTokenId",
        "InvalidAccessKeyId",
        "AuthFailure",
        "UnrecognizedClientException",
        "InvalidInstanceID.NotFound",
        "DeleteConflict",
        "InvocationDoesNotExist",
    }
    | NOT_NOW_CODES
    | {NOT_AWS_CODE}
)
_RUN_RECORD = re.compile(r"^/handson-iam-acceptance/runs/(?P<name>.+)$")


class CallRecordError(ValueError):
    """A record that cannot be used: ``reason`` is ``unreadable`` (``why``, in the run's
    language), ``empty``, or ``malformed`` (at ``line``)."""

    def __init__(self, path: Path, reason: str, line: int = 0, why: str = "") -> None:
        super().__init__(f"{path}: {reason} {line} {why}".rstrip())
        self.path, self.reason, self.line, self.why = path, reason, line, why


@dataclass(frozen=True, order=True)
class CallKey:
    who: str
    service: str
    operation: str
    action: str
    resource: str  # "Bucket=handson-s3-1-<name> Key=open/a.txt", or ""

    def describe(self) -> str:
        on = f" {self.resource}" if self.resource else ""
        return f"{self.who}: {self.service} {self.operation} ({self.action}){on}"


@dataclass(frozen=True)
class OnlyIn:
    key: CallKey
    count: int


@dataclass(frozen=True)
class OutcomeChange:
    key: CallKey
    first: tuple[str, ...]  # the answers in the first record (the real run's)
    second: tuple[str, ...]

    @property
    def denied_only_in_first(self) -> bool:
        """Refused in the first record where the second was allowed: a missing permission."""
        return bool(DENIED & set(self.first)) and "ok" in self.second and "ok" not in self.first


@dataclass(frozen=True)
class Comparison:
    only_in_first: tuple[OnlyIn, ...]
    only_in_second: tuple[OnlyIn, ...]
    changed: tuple[OutcomeChange, ...]

    @property
    def same(self) -> bool:
        return not (self.only_in_first or self.only_in_second or self.changed)


def read_record(path: Path) -> list[dict[str, Any]]:
    """A record's calls, each checked to have the fields a comparison reads."""
    try:
        text = read_given(path)  # a folder, no permission, UTF-16 from PowerShell: said so
    except Unreadable as why:
        raise CallRecordError(path, "unreadable", why=str(why)) from None
    calls = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            call = json.loads(line)
        except json.JSONDecodeError as error:
            raise CallRecordError(path, "malformed", number) from error
        if not isinstance(call, dict) or not all(isinstance(call.get(f), str) for f in _FIELDS):
            raise CallRecordError(path, "malformed", number)
        if not isinstance(call.get("params", {}), dict):
            raise CallRecordError(path, "malformed", number)
        calls.append(call)
    if not calls:
        raise CallRecordError(path, "empty")  # compared, it would name every call as missing
    return calls


def run_name(calls: list[dict[str, Any]]) -> str | None:
    """The run's ``--name``: the first call on its record names it."""
    for call in calls:
        found = _RUN_RECORD.match(str((call.get("params") or {}).get("Name", "")))
        if found:
            return found["name"]
    return None


def _masked(value: object, name: str | None) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if name:
        text = text.replace(name, "<name>")
    return ACCOUNT_IN_TEXT.sub("<account>", text)


def normalised(call: dict[str, Any], name: str | None) -> dict[str, Any]:
    """The call as two runs can both have made it: see the module's docstring."""
    params = call.get("params") or {}
    return {
        "who": call["who"],
        "principal": "<principal>",
        "service": call["service"],
        "operation": call["operation"],
        "action": call["action"],
        "params": {k: _masked(params[k], name) for k in _RESOURCE if k in params},
        "outcome": call["outcome"],
    }


def key_of(call: dict[str, Any]) -> CallKey:
    """The key of a normalised call."""
    resource = " ".join(f"{k}={v}" for k, v in call["params"].items())
    return CallKey(call["who"], call["service"], call["operation"], call["action"], resource)


def _tally(calls: list[dict[str, Any]]) -> tuple[Counter[CallKey], dict[CallKey, set[str]]]:
    name = run_name(calls)
    counts: Counter[CallKey] = Counter()
    outcomes: dict[CallKey, set[str]] = {}
    for call in calls:
        key = key_of(normalised(call, name))
        counts[key] += 1
        outcomes.setdefault(key, set()).add(call["outcome"])
    return counts, outcomes


def _settled(outcomes: set[str]) -> tuple[str, ...]:
    """The answers that matter: without throttling, and without what was retried until ``ok``."""
    kept = outcomes - _THROTTLED
    if "ok" in kept:
        kept -= _RETRIED_BEFORE_OK
    return tuple(sorted(kept))


def compare(first: list[dict[str, Any]], second: list[dict[str, Any]]) -> Comparison:
    """How ``first`` (e.g. a real run's record) differs from ``second`` (the offline one)."""
    counts_1, outcomes_1 = _tally(first)
    counts_2, outcomes_2 = _tally(second)
    changed = []
    for key in sorted(counts_1.keys() & counts_2.keys()):
        one, two = _settled(outcomes_1[key]), _settled(outcomes_2[key])
        if one != two:
            changed.append(OutcomeChange(key, one, two))
    return Comparison(
        only_in_first=tuple(OnlyIn(k, counts_1[k]) for k in sorted(counts_1.keys() - counts_2)),
        only_in_second=tuple(OnlyIn(k, counts_2[k]) for k in sorted(counts_2.keys() - counts_1)),
        changed=tuple(changed),
    )


def reference_lines(calls: list[dict[str, Any]]) -> list[str]:
    """A record as the committed reference holds it: each distinct normalised call once with its
    settled answers (what was retried until ``ok`` left out, as :func:`compare` leaves it out),
    sorted, so that it is the same from run to run (still a record :func:`read_record` reads)."""
    name = run_name(calls)
    shown: dict[CallKey, dict[str, Any]] = {}
    outcomes: dict[CallKey, set[str]] = {}
    for call in calls:
        one = normalised(call, name)
        key = key_of(one)
        shown.setdefault(key, one)
        outcomes.setdefault(key, set()).add(str(call["outcome"]))
    lines = {
        json.dumps({**shown[key], "outcome": outcome}, sort_keys=True, ensure_ascii=False)
        for key, seen in outcomes.items()
        for outcome in _settled(seen) or tuple(sorted(seen))
    }
    return sorted(lines)
