"""What the measure decides against: the hands-on's principals, resources, request contexts and
intent (the seed's policies, plus AmazonSSMManagedInstanceCore for the role).

The names come from handson.names (one place for every name); the account and region are the
run's (:class:`Site`): a policy that names the learner's account or region holds on the hands-on's
resources only there, so a world elsewhere would call a correct policy short of the hands-on.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from handson.iam_engine import NamedPolicy
from handson.names import INSTANCE_TYPE, SSM_CORE_POLICY_ARN, RunNames
from handson.permissions.catalogue import ACCOUNT, REGION, actions
from handson.permissions.findings import PermissionFinding, Principal
from handson.policies import ROLE_POLICY_FILE, SEED_DIR, USER_POLICY_FILE

INSTANCE_ID = "i-0123456789abcdef0"
# The hands-on's requests as the emulator sees them: over TLS, from this machine, in its region.
SOURCE_IP = "127.0.0.1"
# What the role's s3 ls of bucket 2 carries (handson.role_actions: RoleCommands.list_bucket, one
# listing per Place: the root, open/ and close/).
LISTING_PREFIXES = ("", "open/", "close/")
SEED_PREFIX = "seed: "
# The AWS managed policy the IAM console attaches to a user it makes with "users must create a
# new password at next sign-in" (the console's recommended choice, which the hands-on does not
# change), so that the user can set that password. Held as AWS's own, it is the console's, not
# the learner's. (Seen by AWS users, e.g. github.com/skycrafters/responder/issues/6; not here.)
CONSOLE_PASSWORD_POLICY = "IAMUserChangePassword"
EC2_REGION = "ec2:Region"


@dataclass(frozen=True)
class Site:
    """Where the hands-on is built: the account and region its ARNs and requests carry, and its
    instance when one is known before the run builds (a learner's own, --target existing). The
    default is the suite's offline account and handson.iam_engine.Request's region."""

    account: str = ACCOUNT
    region: str = REGION
    instance_id: str = INSTANCE_ID
    instance_type: str = INSTANCE_TYPE  # the hands-on's; a replay's, the learner's

    @property
    def instance_arn(self) -> str:
        return f"arn:aws:ec2:{self.region}:{self.account}:instance/{self.instance_id}"


OFFLINE = Site()  # the suite's offline account and region, for what no run places


def on_instance(
    found: Sequence[PermissionFinding], instance_id: str | None
) -> list[PermissionFinding]:
    """The findings naming the instance the run built, where they were measured before it
    existed, on the sample instance (INSTANCE_ID: on AWS, and on an emulator somebody else
    started, whose next instance ID nobody can know). The measure holds for the built one too:
    an instance's ARN differs from the sample's only in its ID, which the hands-on's policies do
    not name, and a learner's policy cannot name an instance that did not exist yet."""
    if not instance_id or instance_id == INSTANCE_ID:
        return list(found)

    def moved(value: Any) -> Any:
        return value.replace(INSTANCE_ID, instance_id) if isinstance(value, str) else value

    return [
        replace(f, resource=moved(f.resource), fields={k: moved(v) for k, v in f.fields.items()})
        for f in found
    ]


@dataclass(frozen=True)
class Subject:
    """One principal to measure: who it is, and its policies, the learner's and the intended."""

    principal: Principal
    arn: str
    principal_type: str
    own_keys: Mapping[str, Any]  # the principal's own context keys: they keep their values
    policies: tuple[NamedPolicy, ...]
    intent: tuple[NamedPolicy, ...]
    resources: tuple[str, ...]  # the hands-on's own resources, as ARNs
    site: Site = OFFLINE
    # What a request on one of them carries of it: the instance's Name tag, as AWS sets it.
    resource_keys: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # Another learner's copy of them in the same account (neighbours): never needed, only over.
    neighbours: tuple[str, ...] = ()
    # Files beside bucket 2's folders whose names begin as the folder's (beside_folders): the
    # same, never needed, only over.
    beside: tuple[str, ...] = ()

    @property
    def beyond(self) -> tuple[str, ...]:
        """What the hands-on never acts on, where a wider grant shows: neighbours and beside."""
        return self.neighbours + self.beside


def resources(suffix: str, site: Site = OFFLINE) -> tuple[str, ...]:
    """Every resource the hands-on acts on, as ARNs: its two buckets and their files, the bucket
    the user makes and removes (U2) with its file, the instance, the user, the role and its
    instance profile."""
    names = RunNames(suffix)
    account = site.account
    buckets = [f"arn:aws:s3:::{names.bucket1}", f"arn:aws:s3:::{names.bucket2}"]
    objects = [
        f"{bucket}/{place}{names.sample_file}" for bucket in buckets for place in LISTING_PREFIXES
    ]
    scratch = f"arn:aws:s3:::{names.scratch_bucket}"
    return (
        *buckets,
        *objects,
        f"{buckets[0]}/{names.test_file}",
        scratch,
        f"{scratch}/{names.sample_file}",
        site.instance_arn,
        f"arn:aws:iam::{account}:user/{names.user}",
        f"arn:aws:iam::{account}:role/{names.role}",
        f"arn:aws:iam::{account}:instance-profile/{names.instance_profile}",
    )


# The name of another learner who does the hands-on in the same account (a class may share one):
# their buckets, user and role end in it as the learner's end in theirs.
NEIGHBOUR_NAMES = ("another-learner", "another-learner-2")


def neighbours(suffix: str, site: Site = OFFLINE) -> tuple[str, ...]:
    """Another learner's copy of the hands-on's resources, in the same account: a grant written
    with a wildcard where the hands-on names the learner's own resource (``handson-s3-2-*``,
    ``*/open/*``, ``role/handson-*``) reaches theirs too, which the hands-on never intends. The
    instance is left out: the hands-on names none, and another learner's differs only in its ID."""
    other = next(name for name in NEIGHBOUR_NAMES if name != suffix)
    own = resources(suffix, site)
    return tuple(arn for arn in resources(other, site) if arn not in own)


# How a file beside a folder is named: the folder's name without its "/", then this.
BESIDE = "-"


def beside_folders(suffix: str) -> tuple[str, ...]:
    """A file beside each of bucket 2's folders whose name begins as the folder's does
    (``open-handson-sample.txt``): a Resource that leaves out the folder's ``/`` (``open*``)
    reaches it, which ``open/*`` does not, and which the hands-on never intends."""
    names = RunNames(suffix)
    bucket = f"arn:aws:s3:::{names.bucket2}"
    folders = [place.removesuffix("/") for place in LISTING_PREFIXES if place]
    return tuple(f"{bucket}/{folder}{BESIDE}{names.sample_file}" for folder in folders)


def folder_beside(arn: str) -> str:
    """The folder (``open/``) that a file of :func:`beside_folders` is beside."""
    return arn.rsplit("/", 1)[-1].split(BESIDE, 1)[0] + "/"


def resource_keys(suffix: str, site: Site = OFFLINE) -> dict[str, dict[str, str]]:
    """The condition keys a request on the hands-on's resources carries of them: the instance's
    Name tag, which the hands-on gives it, as both keys AWS sets (``aws:ResourceTag/Name`` and
    ``ec2:ResourceTag/Name``), and its type (``ec2:InstanceType``: the hands-on's t2.micro, or the
    site's). The buckets have no tags in the hands-on."""
    names = RunNames(suffix)
    tag = {f"{p}:ResourceTag/Name": names.instance_name for p in ("aws", "ec2")}
    return {site.instance_arn: {**tag, "ec2:InstanceType": site.instance_type}}


def hands_on_contexts(action: str, region: str = REGION) -> list[dict[str, Any]]:
    """The request contexts the hands-on's own requests of this action carry (reading 1)."""
    base: dict[str, Any] = {
        "aws:SecureTransport": "true",
        "aws:SourceIp": SOURCE_IP,
        "aws:RequestedRegion": region,
    }
    service, _, name = action.lower().partition(":")
    if service == "ec2" and EC2_REGION in getattr(actions(service).get(name), "condition_keys", ()):
        base[EC2_REGION] = region  # EC2's own key for the region, beside the global one
    if action.lower() == "s3:listbucket":
        return [{**base, "s3:prefix": p, "s3:delimiter": "/"} for p in LISTING_PREFIXES]
    return [base]


MANAGED_POLICIES_MODULE = ("iam", "aws_managed_policies.py")  # in moto's package folder
_MANAGED_POLICIES_START = 'aws_managed_policies_data = """'


def managed_policies_text() -> str:
    """moto's copy of AWS's managed policies, the JSON text of its one string, read from its file
    without importing moto (which takes half a second of a run's start: moto.iam imports moto's
    core). The text is the string's value as long as it holds no backslash (no escape for Python
    to read); otherwise, or when the file is not where moto keeps it, moto's import decides."""
    spec = importlib.util.find_spec("moto")  # a top-level package: found, not imported
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        try:
            source = Path(folder, *MANAGED_POLICIES_MODULE).read_text("utf-8")
        except OSError:
            continue
        start = source.find(_MANAGED_POLICIES_START)
        end = source.rfind('"""')
        if start >= 0 and end > start and "\\" not in source:
            return source[start + len(_MANAGED_POLICIES_START) : end]
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return str(aws_managed_policies_data)


@cache
def ssm_core_document() -> dict[str, Any]:
    """AmazonSSMManagedInstanceCore as moto ships it (moto's copy of AWS's managed policies).

    Only its own entry is decoded: the whole collection takes a third of a second to parse."""
    data = managed_policies_text()
    key = '"AmazonSSMManagedInstanceCore":'
    start = data.index(key) + len(key)
    while data[start].isspace():
        start += 1
    entry, _ = json.JSONDecoder().raw_decode(data, start)
    return dict(entry["Document"])


def ssm_core() -> NamedPolicy:
    return NamedPolicy(SSM_CORE_POLICY_ARN, ssm_core_document())


def seed_documents() -> dict[str, dict[str, Any]]:
    return {
        name: json.loads((SEED_DIR / name).read_text("utf-8"))
        for name in (USER_POLICY_FILE, ROLE_POLICY_FILE)
    }


def _rendered(document: Mapping[str, Any], suffix: str) -> dict[str, Any]:
    return dict(json.loads(RunNames(suffix).render(json.dumps(document, ensure_ascii=False))))


def _console_password_policy(policy: NamedPolicy) -> bool:
    """AWS's IAMUserChangePassword, as the console attaches it (a name or an ARN)."""
    return policy.aws_managed and policy.name.rsplit("/", 1)[-1] == CONSOLE_PASSWORD_POLICY


def subject(
    principal: Principal,
    documents: Sequence[NamedPolicy],
    suffix: str,
    *,
    ssm_core_attached: bool = True,
    site: Site = OFFLINE,
) -> Subject:
    """The principal with the learner's policy documents (named by their file; the placeholder
    may still be in them) and the hands-on's intent. The role gets AmazonSSMManagedInstanceCore
    as the hands-on attaches it, unless ``ssm_core_attached`` is False. A user holding AWS's
    IAMUserChangePassword has it in the intent too: the console attaches it."""
    names = RunNames(suffix)
    seed = seed_documents()
    learner = [NamedPolicy(p.name, _rendered(p.document, suffix)) for p in documents]
    if principal is Principal.USER:
        intent = [
            NamedPolicy(SEED_PREFIX + USER_POLICY_FILE, _rendered(seed[USER_POLICY_FILE], suffix))
        ]
        intent += [p for p in documents if _console_password_policy(p)]
        arn = f"arn:aws:iam::{site.account}:user/{names.user}"
        return Subject(
            principal,
            arn,
            "User",
            {
                "aws:username": names.user,
                "aws:PrincipalArn": arn,
                "aws:PrincipalAccount": site.account,
            },
            tuple(learner),
            tuple(intent),
            resources(suffix, site),
            site,
            resource_keys(suffix, site),
            neighbours(suffix, site),
            beside_folders(suffix),
        )
    intent = [
        NamedPolicy(SEED_PREFIX + ROLE_POLICY_FILE, _rendered(seed[ROLE_POLICY_FILE], suffix)),
        ssm_core(),
    ]
    if ssm_core_attached:
        learner.append(ssm_core())
    role_arn = f"arn:aws:iam::{site.account}:role/{names.role}"
    return Subject(
        principal,
        f"arn:aws:sts::{site.account}:assumed-role/{names.role}/{site.instance_id}",
        "AssumedRole",
        {"aws:PrincipalArn": role_arn, "aws:PrincipalAccount": site.account},
        tuple(learner),
        tuple(intent),
        resources(suffix, site),
        site,
        resource_keys(suffix, site),
        neighbours(suffix, site),
        beside_folders(suffix),
    )
