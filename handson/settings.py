"""The run's options, from the command line or the environment, checked before anything is made."""

from __future__ import annotations

import dataclasses
import difflib
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import botocore
import botocore.loaders
import botocore.regions
import pytest

from handson.environment import AS_THE_HANDS_ON, Built
from handson.errors import SuiteUsageError
from handson.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from handson.names import RunNames, default_name, validate_name
from handson.policies import PolicySet, load_policy_set, name_from_policies
from handson.targets import registry
from handson.targets.account import parse_allowed
from handson.waiting import Budgets

if TYPE_CHECKING:
    from handson.targets.registry import TargetKind

DEFAULT_TARGET = "emulator"
DEFAULT_REGION = "ap-northeast-1"

# option name -> (environment variable, help)
OPTIONS: dict[str, tuple[str, str]] = {
    "target": (
        "HANDSON_TARGET",
        "where to run: 'emulator' (default, offline), 'aws', or 'existing' (grade a hand-built "
        "environment, read-only, by replaying what it holds on the emulator)",
    ),
    "name": ("HANDSON_NAME", "the hands-on's <自分の名前> suffix (default: date + random)"),
    "region": ("HANDSON_REGION", f"AWS region (default {DEFAULT_REGION})"),
    "policies": ("HANDSON_POLICIES", "folder with your own policy JSON files (hands-on names)"),
    "lang": ("HANDSON_LANG", "language of what the run prints: ja (default) or en"),
    "keep": ("HANDSON_KEEP", "leave everything in place after the run, for debugging"),
    "allow_undecided": (
        "HANDSON_ALLOW_UNDECIDED",
        "exit 0 even when some checkpoints could not be decided (default: exit 6)",
    ),
    "endpoint_url": (
        "HANDSON_ENDPOINT_URL",
        "emulator: use a server already running there; aws and existing: any AWS-compatible "
        "endpoint",
    ),
    "instance_type": (
        "HANDSON_INSTANCE_TYPE",
        "EC2 instance type (default: t2.micro on the emulator, 'auto' on aws: t2.micro where "
        "free-tier eligible, else t3.micro)",
    ),
    "subnet_id": ("HANDSON_SUBNET_ID", "subnet for the instance (default: the default VPC's)"),
    "permissions_boundary": (
        "HANDSON_PERMISSIONS_BOUNDARY",
        "managed policy ARN put on the IAM user and role as their permissions boundary",
    ),
    "propagation_budget": (
        "HANDSON_PROPAGATION_BUDGET",
        "seconds an expected allow may wait for IAM to propagate (default: 120 on aws, 0 on the "
        "emulator, where nothing propagates)",
    ),
    "live": (
        "HANDSON_LIVE",
        "existing target: also check on the real account (SSM on your instance; the user's "
        "credentials from --user-profile or --temporary-user-key); what could delete or overwrite "
        "your work is decided by the replay instead",
    ),
    "user_profile": (
        "HANDSON_USER_PROFILE",
        "existing --live: an AWS profile with handson-iam-user's own access key",
    ),
    "temporary_user_key": (
        "HANDSON_TEMPORARY_USER_KEY",
        "existing --live: create an access key for handson-iam-user for the run, and delete it",
    ),
    "cleanup": (
        "HANDSON_CLEANUP",
        "existing target: run only the clean-up's checks (C1-C5), read-only: what of the "
        "hands-on is left in the account after its 片付け",
    ),
    "practices": (
        "HANDSON_PRACTICES",
        "the security lessons P1-P6: 'advisory' (default: shown below the checkpoints, never "
        "changing the exit code) or 'strict' (a finding fails the run, exit 1)",
    ),
    "record_calls": ("HANDSON_RECORD_CALLS", "write each AWS call of the run to this file (JSON)"),
    "allowed_account": (
        "HANDSON_ALLOWED_ACCOUNTS",
        "aws and existing targets: an account ID the run may use (repeatable; env: "
        "comma-separated)",
    ),
}


@dataclass(frozen=True)
class Settings:
    target: str
    names: RunNames
    region: str
    policies: PolicySet
    policies_dir: Path | None
    keep: bool
    endpoint_url: str | None
    allowed_accounts: frozenset[str] = frozenset()
    instance_type: str = "t2.micro"
    subnet_id: str | None = None
    permissions_boundary: str | None = None
    propagation_budget: float | None = None
    allow_undecided: bool = False
    lang: str = "ja"
    live: bool = False
    user_profile: str | None = None
    temporary_user_key: bool = False
    built: Built = AS_THE_HANDS_ON  # what the run builds differently from the hands-on (a replay)
    name_given: bool = False  # --name (or HANDSON_NAME) given, not made up or read from policies
    cleanup: bool = False  # --cleanup: only C1-C5, read-only, on the account (existing target)
    practices: str = "advisory"  # --practices: "strict" makes a P1-P6 finding fail the run

    @property
    def kind(self) -> TargetKind:
        """What the run's target is and does (handson/targets/registry.py)."""
        return registry.kind_of(self)

    @property
    def emulated(self) -> bool:
        return self.kind.emulated

    @property
    def decided_on(self) -> str:
        """Where the checks were decided, as the checkpoint table says."""
        return self.kind.decided_on

    @property
    def emulator_url(self) -> str | None:
        """A running emulator to attach to; another target's endpoint is the account's."""
        return self.endpoint_url if self.kind.endpoint_is_emulator else None


# What leaving an option out means, for the message that refuses the option given empty.
_DEFAULTS: dict[str, str] = {
    "target": DEFAULT_TARGET,
    "name": "a date and random letters, e.g. 20251126-abc123",
    "region": DEFAULT_REGION,
    "policies": "the hands-on's own policies",
    "endpoint_url": "the emulator's own server, or AWS's endpoints",
    "instance_type": "t2.micro on the emulator, auto on aws",
    "subnet_id": "the default VPC's",
    "permissions_boundary": "none",
    "user_profile": "none",
    "propagation_budget": "120 s on aws, 0 s on the emulator",
    "lang": "ja",
    "practices": "advisory",
    "record_calls": "none",
}
PRACTICES = ("advisory", "strict")  # --practices
# Options given without a value (on or off).
FLAGS = ("keep", "allow_undecided", "live", "temporary_user_key", "cleanup")
# Flags and a repeatable option: none is a single value that can be given empty.
_NOT_SINGLE_VALUES = (*FLAGS, "allowed_account")


def budgets_for(settings: Settings) -> Budgets:
    """Every budget of the run: the target's, with what the options changed."""
    base = settings.kind.budgets
    if settings.live and settings.propagation_budget is None:
        # Nothing is attached or changed in the learner's IAM: nothing to wait for. (A key the
        # run makes waits for itself, fixtures/principals.py.)
        return dataclasses.replace(base, propagation=0)
    if settings.propagation_budget is None:
        return base
    return dataclasses.replace(base, propagation=settings.propagation_budget)


SETTINGS = pytest.StashKey[Settings]()
AWS_SESSION = pytest.StashKey[tuple[Any, Any]]()  # (boto3 session, Account) once the guard passed


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region that botocore's bundled endpoint data lists for both EC2 and S3, in every
    partition it knows (aws, aws-cn, aws-us-gov, the isolated ones...).

    The data, not a list written here, so that a botocore upgrade brings new regions with it.
    The run needs EC2 and S3 in the region (IAM and STS are global); SSM is everywhere EC2 is.
    """
    # botocore's endpoint data alone, read as Session.get_available_regions reads it but without
    # loading EC2's and S3's whole service models (EC2's alone is a fifth of a second, on the
    # run's start, while the emulator starts beside it). Their endpoint prefixes are their names.
    resolver = botocore.regions.EndpointResolver(
        botocore.loaders.create_loader().load_data("endpoints")
    )
    regions: set[str] = set()
    for partition in resolver.get_available_partitions():
        ec2 = resolver.get_available_endpoints("ec2", partition_name=partition)
        s3 = resolver.get_available_endpoints("s3", partition_name=partition)
        regions.update(set(ec2) & set(s3))
    return frozenset(regions)


def _closest_region(value: str, known: frozenset[str]) -> str | None:
    """A suggestion for a mistyped region, only when one known region is clearly the closest."""
    if value.strip().lower() in known:
        return value.strip().lower()
    if len(value) > 64:  # a pasted blob: nothing sensible to suggest, and difflib would be slow
        return None
    scored = sorted(
        ((difflib.SequenceMatcher(None, value, region).ratio(), region) for region in known),
        reverse=True,
    )
    best_score, best = scored[0]
    # ap-northeast-9 is as close to -1, -2 and -3: suggesting one of them would be a guess.
    if best_score < 0.8 or (len(scored) > 1 and scored[1][0] == best_score):
        return None
    return best


def _region(value: str) -> str:
    known = known_regions()
    if value in known:
        return value
    closest = _closest_region(value, known)
    if closest:
        raise SuiteUsageError(t("opt.region_closest", value=repr(value), closest=repr(closest)))
    # Naming the botocore version says where the list comes from: a region AWS opened after
    # that release needs a botocore upgrade, not a different spelling.
    raise SuiteUsageError(
        t(
            "opt.region_unknown",
            value=repr(value),
            default=DEFAULT_REGION,
            version=botocore.__version__,
        )
    )


def _refuse_empty_options(cli: dict[str, Any]) -> None:
    """An option given empty on the command line (``--region=``) is refused, not read as
    "not given": running with the default would test somewhere the person did not ask for,
    and the likely cause is an unset shell variable (``--region=$REGION``)."""
    for option in OPTIONS:
        if option not in _NOT_SINGLE_VALUES and cli.get(option) == "":
            flag = "--" + option.replace("_", "-")
            default = _DEFAULTS.get(option, "see --help")
            raise SuiteUsageError(t("opt.empty", flag=flag, default=default))
    # parse_allowed drops empty entries silently, which would hide the same mistake.
    if any(not str(value).strip() for value in cli.get("allowed_account") or []):
        raise SuiteUsageError(t("opt.empty_account"))


def _instance_type(value: str | None, kind: TargetKind) -> str:
    chosen = value or kind.instance_type
    if chosen != "auto" and not re.fullmatch(r"[a-z][a-z0-9-]*\.[a-z0-9]+", chosen):
        raise SuiteUsageError(t("opt.instance_type", value=repr(chosen)))
    return chosen


def _policy_arn(value: str | None) -> str | None:
    if value and not re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:policy/[\w+=,.@/-]+", value):
        raise SuiteUsageError(t("opt.boundary", value=repr(value)))
    return value or None


def _seconds(value: str | None) -> float | None:
    if value in (None, ""):
        return None
    try:
        seconds = float(str(value))
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise SuiteUsageError(t("opt.budget", value=repr(value)))
    return seconds


def _subnet(value: str | None) -> str | None:
    if value and not re.fullmatch(r"subnet-[0-9a-f]{8,17}", value):
        raise SuiteUsageError(t("opt.subnet", value=repr(value)))
    return value or None


def _existing_options(kind: TargetKind, pick: Any) -> dict[str, Any]:
    """What only a target that grades what it finds takes (``--live`` and its user credentials,
    one way at a time), and what it refuses (anything that would replay other than what the
    account holds)."""
    live = _flag(pick("live") or False)
    profile = pick("user_profile") or None
    temporary = _flag(pick("temporary_user_key") or False)
    if (live or profile or temporary) and kind.live is None:
        raise SuiteUsageError(t("opt.live_target"))
    if kind.live is not None:
        # What would change the replay away from what the account holds.
        for option in ("policies", "permissions_boundary"):
            if pick(option):
                flag = "--" + option.replace("_", "-")
                raise SuiteUsageError(t("opt.not_with_existing", flag=flag))
    cleanup = _flag(pick("cleanup") or False)
    if cleanup and (kind.live is None or live):
        raise SuiteUsageError(t("cleanup.no_account"))
    if (profile or temporary) and not live:
        raise SuiteUsageError(t("opt.live_needed"))
    if profile and temporary:
        raise SuiteUsageError(t("opt.user_key_twice"))
    return {
        "live": live,
        "user_profile": profile,
        "temporary_user_key": temporary,
        "cleanup": cleanup,
    }


def target_kind(name: str) -> TargetKind:
    """The registered target of that name; any other name is one line naming the choices."""
    try:
        return registry.kind_named(name)
    except KeyError:
        choices = ", ".join(registry.names())
        raise SuiteUsageError(t("opt.target", value=repr(name), choices=choices)) from None


def language_of(cli: dict[str, Any], environ: dict[str, str] | None = None) -> str:
    """The run's language, first of all settings: every other message is written in it."""
    env = os.environ if environ is None else environ
    lang = cli.get("lang") or env.get(OPTIONS["lang"][0]) or DEFAULT_LANGUAGE
    if lang not in LANGUAGES:
        # Before a language is chosen: in both.
        raise SuiteUsageError(
            f"--lang {lang!r}: ja か en を選んでください / choose one of {', '.join(LANGUAGES)}"
        )
    return str(lang)


def resolve(cli: dict[str, Any], environ: dict[str, str] | None = None) -> Settings:
    """Options win over environment variables; every value is checked here, in one line each."""
    env = os.environ if environ is None else environ
    _refuse_empty_options(cli)

    def pick(option: str) -> Any:
        value = cli.get(option)
        if value in (None, False, ""):
            # An empty environment variable means "not set", unlike an empty option: CI systems
            # expand a variable that was never defined to "".
            value = env.get(OPTIONS[option][0]) or value
        return value

    lang = language_of(cli, env)
    target = pick("target") or DEFAULT_TARGET
    kind = target_kind(target)
    live = _existing_options(kind, pick)
    region = _region(pick("region") or DEFAULT_REGION)
    policies_dir = pick("policies")
    policies = load_policy_set(Path(policies_dir) if policies_dir else None)
    given = pick("name")
    if given:
        validate_name(given)
    names = RunNames(name_from_policies(policies, given) or given or default_name())
    policies.check_sizes(names.render)
    practices = pick("practices") or "advisory"
    if practices not in PRACTICES:
        raise SuiteUsageError(t("opt.practices", value=repr(practices)))
    endpoint_url = pick("endpoint_url")
    if endpoint_url and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", endpoint_url):
        raise SuiteUsageError(t("opt.endpoint", value=repr(endpoint_url)))
    return Settings(
        target=target,
        names=names,
        region=region,
        policies=policies,
        policies_dir=Path(policies_dir) if policies_dir else None,
        keep=_flag(pick("keep") or False),
        allow_undecided=_flag(pick("allow_undecided") or False),
        lang=lang,
        endpoint_url=endpoint_url or None,
        instance_type=_instance_type(pick("instance_type"), kind),
        subnet_id=_subnet(pick("subnet_id")),
        permissions_boundary=_policy_arn(pick("permissions_boundary")),
        propagation_budget=_seconds(pick("propagation_budget")),
        name_given=bool(given),
        practices=practices,
        **live,
        allowed_accounts=parse_allowed(
            cli.get("allowed_account"), env.get("HANDSON_ALLOWED_ACCOUNTS")
        ),
    )
