"""What a learner built by hand, found read-only (``--target existing``, handson/targets/existing).

Only Get/List/Describe calls: nothing is created, changed or deleted. Whatever is missing or
ambiguous (no user, two instances tagged ``handson-instance``, no bucket pair or two of them) is
one finding line in the run's language, and the piece is left out, never guessed.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from handson.bucket_keys import read_key
from handson.discovery_near import in_other_regions, instances_alike, users_alike
from handson.i18n import listed, t
from handson.instance_network import NetworkPath, Placement, read_path
from handson.lifecycle.ownership import error_code
from handson.names import (
    CONSOLE_ROLE_POLICY,
    CONSOLE_USER,
    CONSOLE_USER_POLICY,
    SSM_CORE_POLICY_ARN,
)
from handson.policies import names_written
from handson.policy_versions import as_found, back_to_the_hands_on, document_of
from handson.targets.ssm import ping_status
from handson.verdict import DENIAL_CODES

USER = CONSOLE_USER
INSTANCE_TAG = "handson-instance"
_BUCKET = re.compile(r"^handson-s3-([12])-(.+)$")
_LIVE = ["pending", "running", "stopping", "stopped"]


@dataclass(frozen=True)
class FoundPolicy:
    """A policy document as it was found: where it came from and which version."""

    name: str
    kind: str  # managed, inline, group-managed, group-inline, boundary
    document: dict[str, Any]
    arn: str | None = None
    version: str | None = None  # a managed policy's default version ID
    group: str | None = None  # the group that holds it (group-managed, group-inline)


@dataclass
class Discovery:
    user: str | None = None
    user_policies: list[FoundPolicy] = field(default_factory=list)
    login_profile: bool = False
    reset_required: bool = False  # the console password must be changed at the first sign-in
    instance_id: str | None = None
    instance_state: str | None = None  # EC2's word: running, stopped, ...
    instance_type: str | None = None  # its ec2:InstanceType, which the replay builds
    role: str | None = None
    role_policies: list[FoundPolicy] = field(default_factory=list)
    trust: dict[str, Any] | None = None
    ssm_core: bool = False
    name: str | None = None
    buckets: tuple[str, str] | None = None
    objects: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # prefix: (key, ETag)
    findings: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # user / instance / buckets: why
    # A permissions boundary by whose it is ("user", "role"): the hands-on sets none.
    boundaries: dict[str, FoundPolicy] = field(default_factory=dict)
    # The bucket pair's bucket policies (the hands-on sets none), by bucket: None where it could
    # not be read.
    bucket_policies: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    # The KMS keys of the learner's own that the pair's default encryption names (the hands-on
    # uses none), by bucket: None where it could not be read; S3's own encryption is absent.
    bucket_keys: dict[str, str | None] = field(default_factory=dict)
    # The instance as SSM lists it (Session Manager connects only to one Online): its PingStatus,
    # None while it never registered; the error code where that could not be read.
    ssm_status: str | None = None
    ssm_unread: str | None = None
    placement: Placement | None = None  # its VPC, subnet, security groups and public IP address
    # Where SSM does not list it Online: its network as read (handson.instance_network).
    network: NetworkPath | None = None

    def note(self, piece: str, line: str) -> None:
        """A piece that is missing or ambiguous: one line, said once, and kept by its piece."""
        self.findings.append(line)
        self.missing.setdefault(piece, line)


def replayed_role_policies(found: Discovery) -> list[FoundPolicy]:
    """The role's policies a replay gives it: all but AmazonSSMManagedInstanceCore, which the
    replay's environment attaches as the hands-on does (its absence is a finding of its own)."""
    return [p for p in found.role_policies if p.arn != SSM_CORE_POLICY_ARN]


def managed_policy(iam: Any, arn: str, kind: str) -> FoundPolicy:
    """A managed policy as its default version says (GetPolicy, GetPolicyVersion)."""
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    version = policy["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]
    return FoundPolicy(policy["PolicyName"], kind, document_of(document["Document"]), arn, version)


def _boundary(iam: Any, entity: dict[str, Any], side: str, found: Discovery) -> None:
    """The permissions boundary GetUser or GetRole shows, if any, as its default version says."""
    arn = entity.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
    if arn:
        found.boundaries[side] = managed_policy(iam, str(arn), "boundary")


def _user(iam: Any, found: Discovery) -> None:
    try:
        user = iam.get_user(UserName=USER)["User"]
    except ClientError as exc:
        if error_code(exc) != "NoSuchEntity":
            raise
        near = users_alike(iam, USER)
        key = "discovery.user_alike" if near else "discovery.no_user"
        found.note("user", t(key, user=USER, names=listed(near), first=(near or [""])[0]))
        return
    found.user = USER
    _boundary(iam, user, "user", found)
    for attached in iam.list_attached_user_policies(UserName=USER)["AttachedPolicies"]:
        found.user_policies.append(managed_policy(iam, attached["PolicyArn"], "managed"))
    for name in iam.list_user_policies(UserName=USER)["PolicyNames"]:
        document = iam.get_user_policy(UserName=USER, PolicyName=name)["PolicyDocument"]
        found.user_policies.append(FoundPolicy(name, "inline", document_of(document)))
    for group in iam.list_groups_for_user(UserName=USER)["Groups"]:
        name = group["GroupName"]
        for attached in iam.list_attached_group_policies(GroupName=name)["AttachedPolicies"]:
            held = managed_policy(iam, attached["PolicyArn"], "group-managed")
            found.user_policies.append(dataclasses.replace(held, group=name))
        for policy in iam.list_group_policies(GroupName=name)["PolicyNames"]:
            document = iam.get_group_policy(GroupName=name, PolicyName=policy)["PolicyDocument"]
            found.user_policies.append(
                FoundPolicy(policy, "group-inline", document_of(document), group=name)
            )
    try:
        profile = iam.get_login_profile(UserName=USER)["LoginProfile"]
        found.login_profile = True
        found.reset_required = bool(profile.get("PasswordResetRequired"))
    except ClientError as exc:
        if error_code(exc) != "NoSuchEntity":
            raise


def _instance(ec2: Any, iam: Any, found: Discovery, ec2_in: Callable[[str], Any] | None) -> None:
    instances = tagged_instances(ec2)
    here = ec2.meta.region_name
    near = instances_alike(ec2, INSTANCE_TAG, _LIVE) if not instances else {}
    if near:
        tags = listed(t("discovery.tag_ids", tag=tag, ids=listed(ids)) for tag, ids in near.items())
        found.note(
            "instance", t("discovery.instance_alike", tag=INSTANCE_TAG, region=here, tags=tags)
        )
        return
    if not instances:
        elsewhere = list(in_other_regions(ec2, ec2_in, tagged_instances)) if ec2_in else []
        if elsewhere:
            said = t(
                "discovery.instance_elsewhere",
                tag=INSTANCE_TAG,
                region=here,
                regions=listed(elsewhere),
                first=elsewhere[0],
            )
        else:
            said = t("discovery.no_instance", tag=INSTANCE_TAG, region=here)
        found.note("instance", said)
        return
    if len(instances) > 1:
        ids = listed(sorted(i["InstanceId"] for i in instances))
        found.note("instance", t("discovery.two_instances", tag=INSTANCE_TAG, ids=ids))
        return
    instance = instances[0]
    found.instance_id = instance["InstanceId"]
    found.instance_state = instance.get("State", {}).get("Name")
    found.instance_type = instance.get("InstanceType")
    found.placement = Placement.of(instance)
    profile_arn = instance.get("IamInstanceProfile", {}).get("Arn")
    if not profile_arn:
        found.note("instance", t("discovery.no_profile", instance=found.instance_id))
        return
    name = profile_arn.rsplit("/", 1)[-1]
    try:
        profile = iam.get_instance_profile(InstanceProfileName=name)
    except ClientError as exc:
        if error_code(exc) != "NoSuchEntity":
            raise
        # Deleted while the instance still has it (the console deletes a role's profile with
        # the role): EC2 keeps naming it, and the instance has no role credentials.
        said = t("discovery.profile_gone", instance=found.instance_id, profile=name)
        found.note("instance", said)
        return
    roles = profile["InstanceProfile"]["Roles"]
    if not roles:
        found.note("instance", t("discovery.no_role", instance=found.instance_id))
        return
    role = roles[0]["RoleName"]
    found.role = role
    held = iam.get_role(RoleName=role)["Role"]
    found.trust = document_of(held["AssumeRolePolicyDocument"])
    _boundary(iam, held, "role", found)
    for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        if attached["PolicyArn"] == SSM_CORE_POLICY_ARN:
            found.ssm_core = True
        found.role_policies.append(managed_policy(iam, attached["PolicyArn"], "managed"))
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        found.role_policies.append(FoundPolicy(name, "inline", document_of(document)))


def _buckets(s3: Any, name: str | None, found: Discovery) -> None:
    numbered: dict[str, set[str]] = {}
    for bucket in s3.list_buckets()["Buckets"]:
        match = _BUCKET.match(bucket["Name"])
        if match:
            numbered.setdefault(match[2], set()).add(match[1])
    pairs = sorted(n for n, numbers in numbered.items() if numbers == {"1", "2"})
    if name is not None:
        pairs = [n for n in pairs if n == name]
    if len(pairs) > 1:
        found.note("buckets", t("discovery.two_bucket_pairs", names=listed(pairs)))
        return
    if not pairs:
        found.note("buckets", _no_pair(numbered, name))
        return
    found.name = pairs[0]
    found.buckets = (f"handson-s3-1-{found.name}", f"handson-s3-2-{found.name}")
    for prefix in ("open/", "close/"):
        contents = s3.list_objects_v2(Bucket=found.buckets[1], Prefix=prefix).get("Contents", [])
        found.objects[prefix] = [(o["Key"], o["ETag"]) for o in contents]
    for bucket in found.buckets:
        _bucket_policy(s3, bucket, found)
        read, key = read_key(s3, bucket)  # handson/bucket_keys.py
        if not read or key is not None:
            found.bucket_keys[bucket] = key


def _bucket_policy(s3: Any, bucket: str, found: Discovery) -> None:
    """A bucket policy on one of the pair (None where it could not be read), which the replay
    does not make: the checks it may decide are not decided (handson/bucket_policies.py)."""
    try:
        text = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    except ClientError as exc:
        if error_code(exc) != "NoSuchBucketPolicy":
            found.bucket_policies[bucket] = None
        return
    found.bucket_policies[bucket] = dict(json.loads(text))  # S3's plain JSON (IAM's is encoded)


def _no_pair(numbered: dict[str, set[str]], name: str | None) -> str:
    """No bucket pair: the halves there are named (handson-s3-1-taro with handson-s3-2-tar0),
    the usual cause being a name typed twice, once wrong."""
    halves = sorted(
        f"handson-s3-{number}-{suffix}"
        for suffix, numbers in numbered.items()
        if name is None or suffix == name
        for number in numbers
    )
    if not halves:
        return t("discovery.no_buckets", name=name or "<自分の名前>")
    return t("discovery.half_pairs", buckets=listed(halves))


def _ssm_registration(ssm: Any, found: Discovery) -> None:
    """How SSM lists the instance with a role (DescribeInstanceInformation): what Session
    Manager connects to, which no replay can tell."""
    if found.instance_id is None or found.role is None:
        return
    try:
        found.ssm_status = ping_status(ssm, found.instance_id)
    except ClientError as exc:
        if error_code(exc) not in DENIAL_CODES:
            raise
        found.ssm_unread = error_code(exc)


def _network(ec2: Any, found: Discovery) -> None:
    """Where SSM does not list the running instance Online: what its network shows (its route
    table, the VPC's SSM endpoints, its security groups), to say what keeps its agent out."""
    if found.role is None or found.placement is None or found.ssm_unread is not None:
        return
    if found.ssm_status == "Online" or found.instance_state in ("stopping", "stopped"):
        return
    found.network = read_path(ec2, found.placement, ec2.meta.region_name)


def discover(
    iam: Any,
    ec2: Any,
    s3: Any,
    name: str | None = None,
    ec2_in: Callable[[str], Any] | None = None,
    ssm: Any = None,
) -> Discovery:
    """Everything of the hands-on this account holds, found with read-only calls. ``ec2_in``
    gives an EC2 client in another region: where the run's region holds no instance of the
    hands-on, the account's other regions are looked in (``in_other_regions``), to say where
    it is. ``ssm``: SSM's client, to read whether the instance is Online there."""
    found = Discovery()
    _user(iam, found)
    _instance(ec2, iam, found, ec2_in)
    if ssm is not None:
        _ssm_registration(ssm, found)
        _network(ec2, found)
    found.findings.extend(held_amiss(found))
    _buckets(s3, name, found)
    if found.name is not None:  # the hands-on's policies hold the buckets' name
        found.findings.extend(names_amiss(found, found.name))
        found.findings.extend(back_to_the_hands_on(iam, as_found(found), found.name))
    return found


def names_amiss(found: Discovery, name: str) -> list[str]:
    """A line for each policy of the user or the role whose bucket ARNs name another
    ``<自分の名前>`` than the buckets' (``handson-s3-1-taro`` for ``handson-s3-1-taro-byhand``, a
    name typed twice, once otherwise): its checks fail, and their hints name ARNs alone."""
    lines = []
    for policy in (*found.user_policies, *found.role_policies):
        others = sorted(names_written(json.dumps(policy.document, ensure_ascii=False)) - {name})
        if others:
            said = t("discovery.policy_names_other", policy=policy.name, names=listed(others))
            lines.append(said + t("discovery.buckets_name", name=name))
    return lines


# The policies the hands-on has the learner make, by the principal each is attached to: its
# name, the hands-on's step that attaches it, and what is said when the other one holds it.
POLICY_NAMES = {
    "user": (CONSOLE_USER_POLICY, 3, "discovery.role_has_users_policy"),
    "role": (CONSOLE_ROLE_POLICY, 9, "discovery.user_has_roles_policy"),
}


def held_amiss(found: Discovery) -> list[str]:
    """A line for each of the hands-on's policies held amiss, where the checks that fail for it
    do not say why: the user holding the role's policy, or the role the user's (attached in each
    other's place, every check of both fails); the user or the role holding none of its own;
    the role's AmazonSSMManagedInstanceCore on the user instead."""
    lines = []
    held = {"user": (found.user, found.user_policies), "role": (found.role, found.role_policies)}
    for side, other in (("user", "role"), ("role", "user")):
        who, policies = held[side]
        theirs, _, said = POLICY_NAMES[other]
        if who and any(p.name.casefold() == theirs for p in policies):
            own, step, _ = POLICY_NAMES[side]
            lines.append(t(said, who=who, policy=theirs, own=own, step=step))
    # Nothing of its own attached: every call of the principal is denied, and no check says why.
    if found.user and not found.user_policies:
        lines.append(t("discovery.user_holds_nothing", who=found.user, policy=CONSOLE_USER_POLICY))
    if found.role and not replayed_role_policies(found):
        key = "discovery.role_holds_nothing" if found.ssm_core else "discovery.role_holds_none"
        lines.append(t(key, who=found.role, policy=CONSOLE_ROLE_POLICY))
    # The role's AWS managed policy attached to the user instead (the hands-on's step 9).
    on_user = any(p.arn == SSM_CORE_POLICY_ARN for p in found.user_policies)
    if found.user and found.role and on_user and not found.ssm_core:
        lines.append(t("discovery.user_has_ssm_core", who=found.user, role=found.role))
    return lines


def tagged_instances(ec2: Any, states: list[str] = _LIVE) -> list[dict[str, Any]]:
    """The region's instances tagged as the hands-on's (Name=handson-instance), in ``states``."""
    reservations = ec2.describe_instances(
        Filters=[
            {"Name": "tag:Name", "Values": [INSTANCE_TAG]},
            {"Name": "instance-state-name", "Values": states},
        ]
    )["Reservations"]
    return [i for r in reservations for i in r["Instances"]]
