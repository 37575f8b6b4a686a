"""The run's options, from the command line or the environment, checked before anything is made."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from handson.account import parse_allowed
from handson.errors import SuiteUsageError
from handson.names import RunNames, default_name, validate_name
from handson.policies import PolicySet, load_policy_set

TARGETS = ("emulator", "aws")
DEFAULT_REGION = "ap-northeast-1"
_REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")

# option name -> (environment variable, help)
OPTIONS: dict[str, tuple[str, str]] = {
    "target": ("HANDSON_TARGET", "where to run: 'emulator' (default, offline) or 'aws'"),
    "name": ("HANDSON_NAME", "the hands-on's <自分の名前> suffix (default: date + random)"),
    "region": ("HANDSON_REGION", f"AWS region (default {DEFAULT_REGION})"),
    "policies": ("HANDSON_POLICIES", "folder with your own policy JSON files (hands-on names)"),
    "keep": ("HANDSON_KEEP", "leave everything in place after the run, for debugging"),
    "endpoint_url": (
        "HANDSON_ENDPOINT_URL",
        "emulator: use a server already running there; aws: any AWS-compatible endpoint",
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
        "seconds an expected allow may wait for IAM to propagate (default: 120 on aws, 5 on the "
        "emulator)",
    ),
    "allowed_account": (
        "HANDSON_ALLOWED_ACCOUNTS",
        "aws target: an account ID the run may use (repeatable; env: comma-separated)",
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


SETTINGS = pytest.StashKey[Settings]()
AWS_SESSION = pytest.StashKey[tuple[Any, Any]]()  # (boto3 session, Account) once the guard passed


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _instance_type(value: str | None, target: str) -> str:
    chosen = value or ("auto" if target == "aws" else "t2.micro")
    if chosen != "auto" and not re.fullmatch(r"[a-z][a-z0-9-]*\.[a-z0-9]+", chosen):
        raise SuiteUsageError(f"--instance-type {chosen!r}: not an instance type (e.g. t3.micro)")
    return chosen


def _policy_arn(value: str | None) -> str | None:
    if value and not re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:policy/[\w+=,.@/-]+", value):
        raise SuiteUsageError(f"--permissions-boundary {value!r}: not a managed policy ARN")
    return value or None


def _seconds(value: str | None) -> float | None:
    if value in (None, ""):
        return None
    try:
        seconds = float(str(value))
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise SuiteUsageError(f"--propagation-budget {value!r}: seconds from 0 to 3600")
    return seconds


def _subnet(value: str | None) -> str | None:
    if value and not re.fullmatch(r"subnet-[0-9a-f]{8,17}", value):
        raise SuiteUsageError(f"--subnet-id {value!r}: not a subnet ID (subnet-0123abcd...)")
    return value or None


def resolve(cli: dict[str, Any], environ: dict[str, str] | None = None) -> Settings:
    """Options win over environment variables; every value is checked here, in one line each."""
    env = os.environ if environ is None else environ

    def pick(option: str) -> Any:
        value = cli.get(option)
        if value in (None, False, ""):
            value = env.get(OPTIONS[option][0]) or value
        return value

    target = pick("target") or "emulator"
    if target not in TARGETS:
        raise SuiteUsageError(f"--target {target!r}: choose one of {', '.join(TARGETS)}")
    region = pick("region") or DEFAULT_REGION
    if not _REGION_RE.fullmatch(region):
        raise SuiteUsageError(f"--region {region!r}: not an AWS region name (e.g. ap-northeast-1)")
    name = validate_name(pick("name") or default_name())
    policies_dir = pick("policies")
    policies = load_policy_set(Path(policies_dir) if policies_dir else None)
    endpoint_url = pick("endpoint_url")
    if endpoint_url and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", endpoint_url):
        raise SuiteUsageError(f"--endpoint-url {endpoint_url!r}: not an http(s) URL")
    return Settings(
        target=target,
        names=RunNames(name),
        region=region,
        policies=policies,
        policies_dir=Path(policies_dir) if policies_dir else None,
        keep=_flag(pick("keep") or False),
        endpoint_url=endpoint_url or None,
        instance_type=_instance_type(pick("instance_type"), target),
        subnet_id=_subnet(pick("subnet_id")),
        permissions_boundary=_policy_arn(pick("permissions_boundary")),
        propagation_budget=_seconds(pick("propagation_budget")),
        allowed_accounts=parse_allowed(
            cli.get("allowed_account"), env.get("HANDSON_ALLOWED_ACCOUNTS")
        ),
    )
