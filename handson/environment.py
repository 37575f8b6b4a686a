"""What one run built, as the hands-on builds it: what the steps and checks are given."""

from __future__ import annotations

from dataclasses import dataclass, field

from handson.aws import Credentials
from handson.names import RunNames


@dataclass(frozen=True)
class LoginProfile:
    user_name: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class HandsonEnvironment:
    """What one run built, as the hands-on builds it."""

    names: RunNames
    user_arn: str
    user_credentials: Credentials
    login: LoginProfile
    user_policy_arn: str
    role_arn: str
    role_policy_arn: str
    instance_profile_arn: str
    instance_id: str
    ami_id: str
    security_group_id: str
    objects: dict[str, bytes]  # key in bucket 2 -> content the learner uploaded
