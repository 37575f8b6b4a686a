"""The nightly role of ci/sandbox-bootstrap.yaml against a run's recorded calls (--record-calls).

The template is read with cfn-lint's own loader (``cfnlint.decode``, which knows the short forms
``!Ref``, ``!Sub``, ``!GetAtt``) and its intrinsic functions resolved for a test account, so
that what is checked is the template itself. Each recorded call becomes one or more
authorization requests, decided by the suite's engine (handson.iam_engine).

Resources, from the call's parameters: S3 buckets and objects, IAM users, roles, instance
profiles and policies, SSM parameters and documents, EC2 images, subnets, groups and instances
(by ID). What the parameters cannot name is the resource ``*`` or the type's ``/*`` (a
security group or an instance still to be made, a Describe or List of everything), marked
``unnamed`` on its :class:`Check`. Requests that AWS makes beside the call's own are added, as
AWS documents them: ``iam:PassRole`` for the instance profile's role of RunInstances (the suite
names the profile after its role), ``ec2:CreateTags`` with ``ec2:CreateAction`` for tags given
at creation, ``iam:Tag*`` and ``ssm:AddTagsToResource`` for tags given at creation. The tags an
EC2 resource carries (``aws:ResourceTag``) are the tags the run gave that kind of resource when
it made it (the record holds no answers, so no instance or group ID).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

from handson import SUITE
from handson.call_record import read_calls
from handson.iam_engine import NamedPolicy, Request, Statement, decide, statement_applies
from handson.iam_engine import statements as statements_of
from handson.names import TAG_SUITE

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "ci" / "sandbox-bootstrap.yaml"
ACCOUNT = "123456789012"
REGION = "ap-northeast-1"
ROLE = "NightlyRole"
BOUNDARY = "HandsonBoundary"
SESSION_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/handson-iam-acceptance-nightly/nightly"
# Calls that need no permission (AWS: "No permissions are required to perform this operation").
_FREE = frozenset({"sts:GetCallerIdentity"})
_OBJECT_ACTIONS = frozenset(
    {"PutObject", "GetObject", "GetObjectVersion", "DeleteObject", "DeleteObjectVersion"}
)
# What a resource of a kind carries, by the TagSpecifications' ResourceType.
_TAGGED = {"RunInstances": "instance", "CreateSecurityGroup": "security-group"}


@dataclass(frozen=True)
class Check:
    """One authorization request made for a recorded call, and what the role decides."""

    operation: str
    request: Request
    allowed: bool
    unnamed: bool  # the resource is ``*`` or a type's ``/*``: the call did not name it


def load_template(path: Path = TEMPLATE, parameters: Mapping[str, str] | None = None) -> Any:
    """The template with every Ref, Sub and GetAtt resolved for the test account and region."""
    template, problems = decode(str(path))
    if problems or template is None:
        raise ValueError(f"{path}: {problems}")
    values = {
        "AWS::AccountId": ACCOUNT,
        "AWS::Region": REGION,
        "AWS::Partition": "aws",
        "AWS::StackName": "handson-iam-acceptance",
        "AWS::URLSuffix": "amazonaws.com",
    }
    for name, parameter in (template.get("Parameters") or {}).items():
        values[name] = str((parameters or {}).get(name, parameter.get("Default", "owner/repo")))
    for name, resource in template["Resources"].items():
        values[name] = _ref(name, resource)
    return _resolve(template, values)


def _ref(name: str, resource: Mapping[str, Any]) -> str:
    """What ``!Ref`` of a resource returns, for the kinds the template holds."""
    kind, properties = resource["Type"], resource.get("Properties") or {}
    if kind == "AWS::IAM::ManagedPolicy":
        return f"arn:aws:iam::{ACCOUNT}:policy/{properties.get('ManagedPolicyName', name)}"
    if kind == "AWS::IAM::OIDCProvider":
        host = str(properties.get("Url", "")).removeprefix("https://")
        return f"arn:aws:iam::{ACCOUNT}:oidc-provider/{host}"
    return str(properties.get("RoleName", name))


def _resolve(node: Any, values: Mapping[str, str]) -> Any:
    if isinstance(node, Mapping):
        if set(node) == {"Ref"}:
            return values[node["Ref"]]
        if set(node) == {"Fn::Sub"}:
            sub = node["Fn::Sub"]
            text, extra = (sub, {}) if isinstance(sub, str) else sub
            scope = {**values, **{k: _resolve(v, values) for k, v in extra.items()}}
            return re.sub(r"\$\{([^}!]+)\}", lambda m: scope[m.group(1)], text)
        if set(node) == {"Fn::GetAtt"}:
            name, attribute = node["Fn::GetAtt"]
            if attribute != "Arn":
                raise ValueError(f"GetAtt {name}.{attribute}")
            return f"arn:aws:iam::{ACCOUNT}:role/{values[name]}"
        return {str(k): _resolve(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, values) for v in node]
    return node


def role_policies(template: Any, role: str = ROLE) -> list[NamedPolicy]:
    """The role's inline policies (the template attaches no managed one to it)."""
    properties = template["Resources"][role]["Properties"]
    if properties.get("ManagedPolicyArns"):
        raise ValueError(f"{role}: managed policies are not read here")
    return [NamedPolicy(p["PolicyName"], p["PolicyDocument"]) for p in properties["Policies"]]


def boundary_arn(template: Any) -> str:
    return str(_ref(BOUNDARY, template["Resources"][BOUNDARY]))


def boundary_document(template: Any) -> Mapping[str, Any]:
    return dict(template["Resources"][BOUNDARY]["Properties"]["PolicyDocument"])


def _tags(params: Mapping[str, Any], kind: str) -> dict[str, str]:
    return {
        f"aws:RequestTag/{t['Key']}": t["Value"]
        for spec in params.get("TagSpecifications") or []
        if spec.get("ResourceType") == kind
        for t in spec.get("Tags", [])
    }


def _ec2(operation: str, params: Mapping[str, Any], tagged: Mapping[str, dict[str, str]]) -> list:
    """(action, resource, context, unnamed) for an EC2 call."""
    arn = f"arn:aws:ec2:{REGION}:{ACCOUNT}"
    found: list[tuple[str, str, dict[str, Any], bool]]
    context: dict[str, Any]
    if operation == "RunInstances":
        context = {**_tags(params, "instance"), "ec2:InstanceType": params.get("InstanceType")}
        subnet = params.get("SubnetId")
        found = [
            ("ec2:RunInstances", f"{arn}:instance/*", context, True),
            ("ec2:RunInstances", f"arn:aws:ec2:{REGION}::image/{params['ImageId']}", {}, False),
            ("ec2:RunInstances", f"{arn}:subnet/{subnet or '*'}", {}, not subnet),
            ("ec2:RunInstances", f"{arn}:network-interface/*", {}, True),
            ("ec2:RunInstances", f"{arn}:volume/*", {}, True),
        ]
        found += [
            ("ec2:RunInstances", f"{arn}:security-group/{group}", {}, False)
            for group in params.get("SecurityGroupIds") or []
        ]
        profile = (params.get("IamInstanceProfile") or {}).get("Name")
        if profile:
            role = f"arn:aws:iam::{ACCOUNT}:role/{profile}"
            passed = {"iam:PassedToService": "ec2.amazonaws.com"}
            found.append(("iam:PassRole", role, passed, False))
    elif operation == "CreateSecurityGroup":
        vpc = params.get("VpcId")
        context = _tags(params, "security-group")
        found = [
            ("ec2:CreateSecurityGroup", f"{arn}:security-group/*", context, True),
            ("ec2:CreateSecurityGroup", f"{arn}:vpc/{vpc or '*'}", context, not vpc),
        ]
    elif operation in ("TerminateInstances", "DeleteSecurityGroup"):
        kind = "instance" if operation == "TerminateInstances" else "security-group"
        ids = params.get("InstanceIds") or [params.get("GroupId")]
        context = {
            k.replace("aws:RequestTag/", "aws:ResourceTag/"): v
            for k, v in tagged.get(kind, {}).items()
        }
        return [(f"ec2:{operation}", f"{arn}:{kind}/{i}", context, False) for i in ids]
    else:
        return [(f"ec2:{operation}", "*", {}, True)]
    for spec in params.get("TagSpecifications") or []:
        kind = spec["ResourceType"]
        context = {**_tags(params, kind), "ec2:CreateAction": operation}
        found.append(("ec2:CreateTags", f"{arn}:{kind}/*", context, True))
    return found


def _iam(action: str, operation: str, params: Mapping[str, Any]) -> tuple[str, dict, bool]:
    """(resource, context, unnamed) for an IAM call."""
    arn = f"arn:aws:iam::{ACCOUNT}"
    context: dict[str, Any] = {}
    if params.get("PermissionsBoundary"):
        context["iam:PermissionsBoundary"] = params["PermissionsBoundary"]
    if operation in ("AttachUserPolicy", "AttachRolePolicy", "PutUserPermissionsBoundary"):
        context["iam:PolicyARN"] = params.get("PolicyArn")
    if params.get("InstanceProfileName"):
        return f"{arn}:instance-profile/{params['InstanceProfileName']}", context, False
    if params.get("RoleName"):
        return f"{arn}:role/{params['RoleName']}", context, False
    if params.get("UserName"):
        return f"{arn}:user/{params['UserName']}", context, False
    if params.get("PolicySourceArn"):
        return str(params["PolicySourceArn"]), context, False
    if params.get("PolicyArn"):
        return str(params["PolicyArn"]), context, False
    if operation == "CreatePolicy":
        path = params.get("Path") or "/"
        return f"{arn}:policy{path}{params['PolicyName']}", context, False
    return "*", context, True


def _ssm(operation: str, params: Mapping[str, Any], tagged: Mapping[str, dict[str, str]]) -> list:
    if operation == "SendCommand":
        context = {
            k.replace("aws:RequestTag/", "aws:ResourceTag/"): v
            for k, v in tagged.get("instance", {}).items()
        }
        document = f"arn:aws:ssm:{REGION}::document/{params['DocumentName']}"
        return [("ssm:SendCommand", document, {}, False)] + [
            ("ssm:SendCommand", f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{i}", context, False)
            for i in params.get("InstanceIds") or []
        ]
    name = params.get("Name") or params.get("Path") or params.get("ResourceId")
    if not name:
        return [(f"ssm:{operation}", "*", {}, True)]
    owner = "" if str(name).startswith("/aws/service/") else ACCOUNT
    parameter = f"arn:aws:ssm:{REGION}:{owner}:parameter/{str(name).lstrip('/')}"
    return [(f"ssm:{operation}", parameter, {}, False)]


def _tagging(service: str, operation: str, resource: str, params: Mapping[str, Any]) -> list:
    """Tags given at creation need the tagging action too (IAM: "To add tags when you create a
    user, you must also have iam:TagUser"; SSM's PutParameter with Tags: ssm:AddTagsToResource)."""
    tags = params.get("Tags") if isinstance(params.get("Tags"), list) else None
    if not tags:
        return []
    context = {f"aws:RequestTag/{t['Key']}": t["Value"] for t in tags}
    context["aws:TagKeys"] = [t["Key"] for t in tags]
    if service == "iam" and operation.startswith("Create"):
        return [(f"iam:Tag{operation.removeprefix('Create')}", resource, context, False)]
    if service == "ssm" and operation == "PutParameter":
        return [("ssm:AddTagsToResource", resource, context, False)]
    return []


def requests_for(calls: Iterable[Mapping[str, Any]]) -> list[tuple[str, Request, bool]]:
    """(operation, request, unnamed) for each authorization AWS makes for the calls, in order."""
    calls = list(calls)
    # What a record did not make (the sweep's instances and groups) carries the suite's tag at
    # least: the sweeper touches nothing without it (tests/test_sweeper.py).
    suite = {f"aws:RequestTag/{TAG_SUITE}": SUITE}
    tagged: dict[str, dict[str, str]] = {"instance": dict(suite), "security-group": dict(suite)}
    for call in calls:
        if call["operation"] in _TAGGED:
            kind = _TAGGED[call["operation"]]
            tagged.setdefault(kind, {}).update(_tags(call["params"], kind))
    found: list[tuple[str, Request, bool]] = []
    for call in calls:
        service, operation, action = call["service"], call["operation"], call["action"]
        params = call["params"]
        if action in _FREE:
            continue
        if service == "ec2":
            parts = _ec2(operation, params, tagged)
        elif service == "ssm":
            parts = _ssm(operation, params, tagged)
        elif service == "iam":
            resource, context, unnamed = _iam(action, operation, params)
            parts = [(action, resource, context, unnamed)]
        elif service == "s3" and params.get("Bucket"):
            bucket = f"arn:aws:s3:::{params['Bucket']}"
            keys = [params["Key"]] if params.get("Key") else []
            keys += [o["Key"] for o in (params.get("Delete") or {}).get("Objects", [])]
            if action.split(":")[1] in _OBJECT_ACTIONS:
                parts = [(action, f"{bucket}/{key}", {}, False) for key in keys]
            else:
                parts = [(action, bucket, {}, False)]
        else:
            parts = [(action, "*", {}, True)]
        parts += _tagging(service, operation, parts[0][1] if parts else "*", params)
        for act, resource, context, unnamed in parts:
            request = Request(
                action=act,
                resource=resource,
                principal_arn=SESSION_ARN,
                principal_type="AssumedRole",
                account=ACCOUNT,
                region=REGION,
                context={k: v for k, v in context.items() if v is not None},
            )
            found.append((operation, request, bool(unnamed)))
    return found


def check_calls(calls: Iterable[Mapping[str, Any]], policies: list[NamedPolicy]) -> list[Check]:
    """Every authorization the provisioning identity's calls need, decided by the role; the
    learner's user's, the instance role's or the instance's calls are not the role's to allow."""
    mine = [c for c in calls if c["who"] == "provisioning"]
    return [
        Check(operation, request, decide(request, policies).allowed, unnamed)
        for operation, request, unnamed in requests_for(mine)
    ]


def unused_grants(policies: list[NamedPolicy], checks: Iterable[Check]) -> list[str]:
    """``Sid: action`` for every action of an Allow statement that no allowed request used."""
    used = [c.request for c in checks if c.allowed]
    unused = []
    for policy in policies:
        for statement in statements_of(policy):
            if statement.effect != "Allow":
                continue
            actions = statement.body.get("Action")
            for action in [actions] if isinstance(actions, str) else actions or []:
                narrowed = Statement(
                    statement.policy, statement.sid, statement.effect,
                    {**statement.body, "Action": action},
                )  # fmt: skip
                if not any(statement_applies(narrowed, request) for request in used):
                    unused.append(f"{statement.sid}: {action}")
    return unused


def refusals(checks: Iterable[Check]) -> list[str]:
    """``operation: action on resource`` for every request the role refuses."""
    return [
        f"{c.operation}: {c.request.action} on {c.request.resource}"
        for c in checks
        if not c.allowed
    ]


# The nightly job's calls as recorded offline (provisioning with the account guard, from
# tests/test_aws_target.py; the sweep, from tests/test_sweeper.py), kept so that a unit test can
# take each grant out of the template. Those two tests fail on a call this record lacks: add the
# new lines of their record (calls.jsonl in the test's tmp_path; endpoints written here as
# https://aws.example, the emulator's port saying nothing).
RECORDED = ROOT / "tests" / "corpus" / "nightly_calls.jsonl"
# Grants no recorded call uses, each kept for a reason the offline runs cannot show.
KEPT_UNUSED = {
    "ReadToGuardAndSweep: ec2:DescribeSubnets": "--subnet-id; the offline run uses the default VPC",
}


def not_in_the_record(calls: Iterable[Mapping[str, Any]], recorded: Path = RECORDED) -> list[str]:
    """The provisioning identity's actions that the committed record has not got."""
    known = {c["action"] for c in read_calls(recorded) if c["who"] == "provisioning"}
    return sorted({c["action"] for c in calls if c["who"] == "provisioning"} - known)


def assert_the_nightly_role_allows(
    calls: Iterable[Mapping[str, Any]], template: Any = None
) -> list[Check]:
    """Fails, naming each, on a call of the provisioning identity the nightly role refuses, or
    on one whose action the committed record (:data:`RECORDED`) lacks."""
    calls = list(calls)
    checks = check_calls(calls, role_policies(template or load_template()))
    assert checks, "no call of the provisioning identity was recorded"
    refused = refusals(checks)
    assert refused == [], "the nightly role refuses what the run needs:\n" + "\n".join(refused)
    new = not_in_the_record(calls)
    assert new == [], f"add this run's calls of {new} to {RECORDED.relative_to(ROOT)}"
    return checks
