"""What EC2 would do for the emulated instance: hand it its instance profile's role credentials,
when the role's trust policy lets EC2 assume it."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from handson.aws import Credentials, Principal
from handson.errors import EmulatorGap
from handson.i18n import t
from handson.instance import InstanceCredentials
from handson.names import EC2_SERVICE
from handson.policies import PolicyDocument
from handson.trust_policy import TrustUndecided, trust_allows_service


def instance_credentials(admin: Principal, instance_id: str) -> InstanceCredentials:
    """The instance profile's role credentials, as EC2's metadata service would hand them.

    moto answers HTTP 500 to sts:AssumeRole on a role trusting a Service principal, so the
    emulator decides the trust itself and, only when the trust policy lets EC2 assume the
    role, issues the role session with one request that moto does not authorize.
    """
    reservations = admin.client("ec2").describe_instances(InstanceIds=[instance_id])
    instance = reservations["Reservations"][0]["Instances"][0]
    profile_arn = instance.get("IamInstanceProfile", {}).get("Arn")
    if not profile_arn:
        return InstanceCredentials(None, None, "the instance has no instance profile")
    iam = admin.client("iam")
    profile = iam.get_instance_profile(InstanceProfileName=profile_arn.split("/")[-1])
    roles = profile["InstanceProfile"]["Roles"]
    if not roles:
        return InstanceCredentials(None, None, "the instance profile carries no role")
    role = roles[0]
    trust = _trust_document(role["AssumeRolePolicyDocument"])
    try:
        allowed, why = trust_allows_service(trust, EC2_SERVICE)
    except TrustUndecided as exc:
        raise EmulatorGap(t(exc.key, sid=exc.sid)) from None
    if not allowed:
        return InstanceCredentials(None, role["Arn"], f"EC2 cannot assume the role: {why}")
    answer = admin.client("sts").assume_role(
        RoleArn=_unknown_to_trust_check(role["Arn"]), RoleSessionName=instance_id
    )
    issued = answer["Credentials"]
    return InstanceCredentials(
        Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"]),
        role["Arn"],
        why,
    )


def _unknown_to_trust_check(role_arn: str) -> str:
    """The role's ARN under a path the role does not have.

    moto checks a role's trust policy only for an ARN it finds among its roles, and that check
    crashes (HTTP 500) on a Service principal. The suite has just decided the trust itself
    (trust_allows_service), so it asks for the session under an ARN moto does not find: the
    admin's own permission (sts:AssumeRole) is what moto checks, and the session is the role's,
    as moto names sessions and finds their policies by the ARN's last part, the role's name.
    That needs no request without IAM checks, so another run's checks are never opened.
    Unlike AWS, the session's user ID is then not the role's ID.
    """
    head, name = role_arn.rsplit("/", 1)
    return f"{head}/handson-emulated-ec2/{name}"


def _trust_document(value: Any) -> PolicyDocument:
    if isinstance(value, str):
        return json.loads(unquote(value))
    return dict(value)
