"""IAM's policy grammar, checked on a learner's files before anything is sent to IAM.

The elements, their types and the condition operators come from cfn-lint's IAM schemas, vendored
unchanged in handson/schemas/iam/ (README there); ``jsonschema`` runs them as Draft 2019-09 with
cfn-lint's two own keywords. A few rules of our own fill what the schemas let through although IAM
refuses it with MalformedPolicyDocument: an empty Resource list, an action without its service
prefix, an ARN of fewer than six parts, ``NullIfExists``, an empty Statement list, no Version,
Version 2008-10-17 in a managed policy.
Each problem stays a :class:`Problem` (a message key and its fields) until it is shown.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft201909Validator, ValidationError, validators
from referencing import Registry
from referencing.jsonschema import DRAFT201909

from handson.i18n import listed, t

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "iam"
SCHEMA_FILES = ("policy.json", "policy_identity.json", "policy_trust.json")
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")

# "service:action": the service prefix as AWS writes them (s3, execute-api, aws-marketplace),
# the action part with IAM's wildcards * and ?. IAM matches both case-insensitively.
_ACTION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*:[A-Za-z0-9_*?.-]+")
# A policy variable such as ${aws:username} may hold a colon: it is one piece of an ARN.
_VARIABLE = re.compile(r"\$\{[^}]*\}")
# The partition as cfn-lint's schema allows it (aws, aws-cn, aws-us-gov, ..., or *).
_PARTITION = re.compile(r"aws[A-Za-z-]*|\*")
_NULL_IF_EXISTS = re.compile(r"(ForAnyValue:|ForAllValues:)?NullIfExists")
# IAM takes IfExists after any operator but Null; the schema knows BinaryEquals only without it.
_BINARY = re.compile(r"(ForAnyValue:|ForAllValues:)?BinaryEquals(IfExists)?")


@dataclass(frozen=True)
class Problem:
    """One thing IAM would refuse: ``key`` is its message, ``statement`` its position (0-based,
    None for the policy as a whole)."""

    key: str
    statement: int | None = None
    sid: str | None = None
    fields: tuple[tuple[str, str], ...] = field(default=())

    def text(self, path: Path | str) -> str:
        if self.statement is None:
            where = t("policy.top")
        else:
            where = _statement_label(self.statement, self.sid)
        return t(self.key, path=path, where=where, **dict(self.fields))


# What the AWS CLI prints for a policy, around the policy itself: the command, its top-level key,
# and the key of the policy inside it ("": the top-level key's value is the policy; None: the
# output holds no policy). A learner who saves the output as it is has a file IAM would refuse
# element by element.
CLI_OUTPUTS: tuple[tuple[str, str, str | None], ...] = (
    ("aws iam get-policy-version", "PolicyVersion", "Document"),
    ("aws iam get-role", "Role", "AssumeRolePolicyDocument"),
    ("aws iam get-role-policy", "PolicyDocument", ""),
    ("aws iam get-policy", "Policy", None),
)


def problems(document: Any, *, trust: bool) -> list[Problem]:
    """Every grammar problem of one document, in the order of the document, none repeated."""
    if isinstance(document, list) and document and all(isinstance(s, dict) for s in document):
        return [Problem("policy.statements_only")]
    if not isinstance(document, dict):
        return [Problem("policy.not_object")]
    wrapped = _cli_output(document)
    if wrapped is not None:
        return [wrapped]
    found = [p for error in _schema_errors(document, trust) for p in _from_error(error, document)]
    found += list(_own_rules(document, trust))
    unique = list(dict.fromkeys(found))
    return sorted(unique, key=lambda p: -1 if p.statement is None else p.statement)


def _cli_output(document: dict[str, Any]) -> Problem | None:
    """The AWS CLI's output saved as it is, in place of the policy it holds."""
    if "Statement" in document:
        return None
    for command, outer, inner in CLI_OUTPUTS:
        held = document.get(outer)
        if not isinstance(held, dict) or (inner and inner not in held):
            continue
        if inner is None:
            return Problem("policy.cli_output_no_document", fields=(("command", command),))
        query = f"{outer}.{inner}" if inner else outer
        fields = (("command", command), ("element", inner or outer), ("query", query))
        return Problem("policy.cli_output", fields=fields)
    return None


def lines(path: Path | str, found: list[Problem]) -> list[str]:
    return [problem.text(path) for problem in found]


# -- cfn-lint's schemas -----------------------------------------------------------------------


def _schema(name: str) -> dict[str, Any]:
    return dict(json.loads((SCHEMA_DIR / name).read_text("utf-8")))


def _required_xor(_: Any, names: list[str], instance: Any, __: Any) -> Iterator[ValidationError]:
    if isinstance(instance, dict) and sum(n in instance for n in names) != 1:
        yield ValidationError(f"exactly one of {names} is required")


def _unique_keys(_: Any, keys: list[str], instance: Any, __: Any) -> Iterator[ValidationError]:
    if not isinstance(instance, list):
        return
    for key in keys:
        seen: list[str] = []
        for item in instance:
            if isinstance(item, dict) and key in item:
                value = json.dumps(item[key], ensure_ascii=False)
                if value in seen:
                    yield ValidationError(f"duplicate {key}", instance=item[key])
                seen.append(value)


@cache
def _validator(trust: bool) -> Any:
    schemas = {name: _schema(name) for name in SCHEMA_FILES}
    registry: Registry[Any] = Registry().with_resources(
        (s["$id"], DRAFT201909.create_resource(s)) for s in schemas.values()
    )
    cls = validators.extend(
        Draft201909Validator, {"requiredXor": _required_xor, "uniqueKeys": _unique_keys}
    )
    return cls(schemas["policy_trust.json" if trust else "policy_identity.json"], registry=registry)


def _schema_errors(document: dict[str, Any], trust: bool) -> list[ValidationError]:
    return list(_validator(trust).iter_errors(document))


def _statements(document: dict[str, Any]) -> list[Any]:
    statements = document.get("Statement")
    return [statements] if isinstance(statements, dict) else statements or []


def _sid(document: dict[str, Any], index: int) -> str | None:
    statements = _statements(document)
    if isinstance(statements, list) and index < len(statements):
        sid = statements[index].get("Sid") if isinstance(statements[index], dict) else None
        return sid if isinstance(sid, str) and sid else None
    return None


def _from_error(error: ValidationError, document: dict[str, Any]) -> list[Problem]:
    """The problem(s) one jsonschema error stands for: by where it is and which keyword failed."""
    where = list(error.absolute_path)
    keyword = str(error.validator)
    if not where or where[0] != "Statement":
        return _top_level(error, where, keyword)
    if len(where) == 1:
        if keyword == "uniqueKeys":
            return [Problem("policy.sid_duplicate", fields=(("value", str(error.instance)),))]
        if keyword == "type":
            return [Problem("policy.no_statement")]
        rest: list[Any] = []
        index = 0  # "Statement": {...}, a single statement IAM accepts as it is
    elif isinstance(where[1], int):
        index, rest = where[1], where[2:]
    else:
        index, rest = 0, where[1:]
    sid = _sid(document, index)

    def problem(key: str, **values: Any) -> Problem:
        return Problem(key, index, sid, tuple((k, str(v)) for k, v in values.items()))

    if not rest:
        return _statement_level(error, keyword, problem)
    element = str(rest[0])
    name = "/".join(str(part) for part in rest if not isinstance(part, int))
    if element == "Effect":
        return [problem("policy.effect")]
    if element == "Sid":
        if keyword == "pattern":
            return [problem("policy.sid_form", value=error.instance)]
        return [problem("policy.not_string", field=name)]
    if element in ("Action", "NotAction", "Resource", "NotResource"):
        if keyword == "minItems":
            return [problem("policy.empty_list", field=element)]
        if keyword == "pattern":
            return []  # ARNs: our own rule below, looser on the account field
        return [problem("policy.not_strings", field=element)]
    if element == "Condition":
        return _condition(error, keyword, rest, name, problem)
    if element in ("Principal", "NotPrincipal"):
        if keyword == "const":
            return [problem("policy.principal_string", field=element)]
        if keyword == "anyOf":
            return [problem("policy.principal_aws", field=name, value=error.instance)]
        if len(rest) == 1:
            return [problem("policy.principal_type", field=element)]
        return [problem("policy.not_strings", field=name)]
    return [problem("policy.grammar_other", field=name, detail=error.message)]


def _top_level(error: ValidationError, where: list[Any], keyword: str) -> list[Problem]:
    if not where:
        if keyword == "required":
            return [Problem("policy.no_statement")]
        if keyword == "additionalProperties":
            known = list(error.schema.get("properties", {}))
            found = [_unknown_element(extra, known) for extra in _extras(error)]
            return [Problem(key, fields=fields) for key, fields in found]
    if where == ["Version"]:
        return [Problem("policy.version")]
    name = "/".join(str(part) for part in where)
    if keyword == "type" and error.validator_value == "string":
        return [Problem("policy.not_string", fields=(("field", name),))]
    return [Problem("policy.grammar_other", fields=(("field", name), ("detail", error.message)))]


def _statement_level(error: ValidationError, keyword: str, problem: Any) -> list[Problem]:
    if keyword == "type":
        return [problem("policy.statement_not_object")]
    if keyword == "required":
        return [problem("policy.effect")]
    if keyword == "requiredXor":
        first = error.validator_value[0]
        needed = {"Action": "policy.action", "Resource": "policy.resource"}
        return [problem(needed.get(first, "policy.principal_needed"))]
    if keyword == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        found = []
        for extra in _extras(error):
            if extra in ("Principal", "NotPrincipal"):
                found.append(problem("policy.principal_not_allowed", field=extra))
            elif extra in ("Resource", "NotResource"):
                found.append(problem("policy.resource_in_trust", field=extra))
            else:
                key, fields = _unknown_element(extra, known)
                found.append(problem(key, **dict(fields)))
        return found
    return [problem("policy.grammar_other", field="Statement", detail=error.message)]


def _condition(
    error: ValidationError, keyword: str, rest: list[Any], name: str, problem: Any
) -> list[Problem]:
    if len(rest) == 1:
        if keyword == "additionalProperties":
            unknown = [e for e in _extras(error) if not _BINARY.fullmatch(e)]
            return [problem("policy.operator", value=extra) for extra in unknown]
        return [problem("policy.not_object_field", field=name)]
    if len(rest) == 2:
        return [problem("policy.condition_block", value=rest[1])]
    if keyword == "enum" or rest[1] == "Null":
        return [problem("policy.null_value", field=name)]
    return [problem("policy.condition_value", field=name)]


def _unknown_element(extra: str, known: list[str]) -> tuple[str, tuple[tuple[str, str], ...]]:
    """An element IAM does not know, with the one it was likely meant to be ("Resources",
    "resource": "Resource"), else the ones it may be."""
    fields = (("field", extra), ("known", listed(known)))
    lowered = {name.lower(): name for name in known}
    near = difflib.get_close_matches(extra.lower(), list(lowered), n=1, cutoff=0.75)
    if near:
        return "policy.unknown_element_near", (*fields, ("near", lowered[near[0]]))
    return "policy.unknown_element", fields


def _extras(error: ValidationError) -> list[str]:
    """The keys an ``additionalProperties: false`` error is about, as the schema decides them."""
    known = error.schema.get("properties", {})
    patterns = error.schema.get("patternProperties", {})
    return [
        key
        for key in error.instance
        if key not in known and not any(re.search(p, key) for p in patterns)
    ]


# -- what the schemas let through ---------------------------------------------------------------


def _own_rules(document: dict[str, Any], trust: bool) -> Iterator[Problem]:
    if "Version" not in document:  # IAM would take 2008-10-17 and leave ${...} variables as text
        yield Problem("policy.version")
    elif document["Version"] == "2008-10-17" and not trust:
        # The grammar's older version: a trust policy may have it, a managed policy may not
        # (CreatePolicy: "Policy document must be version 2012-10-17 or greater").
        yield Problem("policy.version_2008")
    if document.get("Statement") == []:
        yield Problem("policy.no_statement")
    statements = _statements(document)
    if not isinstance(statements, list):
        return
    for index, statement in enumerate(statements):
        if isinstance(statement, dict):
            yield from _statement_rules(statement, index, _sid(document, index))


def _statement_rules(statement: dict[str, Any], index: int, sid: str | None) -> Iterator[Problem]:
    def problem(key: str, **values: Any) -> Problem:
        return Problem(key, index, sid, tuple((k, str(v)) for k, v in values.items()))

    for element in ("Action", "NotAction"):
        for value in _strings(statement.get(element)):
            if value == "*" or _ACTION.fullmatch(value):
                continue
            joined = "".join(value.split())  # "ec2:StartInstances ", "s3: GetObject"
            if joined == "*" or _ACTION.fullmatch(joined):
                yield problem("policy.action_space", field=element, value=value, fixed=joined)
            else:
                yield problem("policy.action_form", field=element, value=value)
    for element in ("Resource", "NotResource"):
        if statement.get(element) == []:
            yield problem("policy.empty_list", field=element)
        for value in _strings(statement.get(element)):
            if not _is_arn(value):
                yield problem("policy.arn_form", field=element, value=value)
    condition = statement.get("Condition")
    if isinstance(condition, dict):
        for operator in condition:
            if _NULL_IF_EXISTS.fullmatch(operator):
                yield problem("policy.null_if_exists", value=operator)
    for element in ("Principal", "NotPrincipal"):
        principal = statement.get(element)
        if isinstance(principal, dict):
            for kind in principal:
                if kind not in PRINCIPAL_TYPES:
                    yield problem("policy.principal_key", field=element, value=kind)


def _strings(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str)]


def _is_arn(value: str) -> bool:
    """``*`` or arn:partition:service:region:account:resource (the resource may hold colons).

    The account is not checked: IAM takes ``*``, ``aws``, a policy variable or nothing there, and
    cfn-lint's schema, stricter, refuses some of these."""
    if value == "*":
        return True
    parts = _VARIABLE.sub("v", value).split(":", 5)
    return (
        len(parts) == 6
        and parts[0] == "arn"
        and bool(_PARTITION.fullmatch(parts[1]))
        and bool(parts[2])
        and bool(parts[5])
    )


# -- words --------------------------------------------------------------------------------------


def _statement_label(index: int, sid: str | None) -> str:
    if sid:
        return t("policy.statement_sid", number=index + 1, sid=sid)
    return t("policy.statement", number=index + 1)
