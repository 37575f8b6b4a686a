"""The condition keys the emulator gives a request, and those a policy names that AWS would give
but the emulator does not. A Condition on such a key would be decided on the key's absence, which
is not AWS's answer: the check is not decided on the emulator (``Gaps.undecidable``).

What the emulator gives is what :mod:`handson.targets.moto_caller` and
:mod:`handson.targets.moto_engine` put into a request's context (tests/unit/test_emulator_keys.py
holds the two to each other). What AWS gives is the Service Authorization Reference's keys of the
action and of its resource types (:mod:`handson.permissions.catalogue`), and for the global keys
everything but :data:`ABSENT_ON_AWS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from handson.iam_engine import MFA_KEYS, NETWORK_KEYS, condition_names
from handson.permissions import catalogue

# A key ending in "/" stands for the family under it (aws:ResourceTag/Name, ...).
EVERY_REQUEST = (
    "aws:SourceIp",
    "aws:SecureTransport",
    "aws:RequestedRegion",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:userid",
    "aws:username",
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
)
LISTING = ("s3:prefix", "s3:delimiter", "s3:max-keys")  # s3:ListBucket's query, as sent
EC2_EVERY = ("ec2:Region",)
# An instance a Start/Stop/Terminate/Reboot acts on: its tags under both keys, and its type.
INSTANCE = (*EC2_EVERY, "aws:ResourceTag/", "ec2:ResourceTag/", "ec2:InstanceType")
INSTANCE_ACTIONS = frozenset(
    {"ec2:startinstances", "ec2:stopinstances", "ec2:terminateinstances", "ec2:rebootinstances"}
)

# Global keys AWS leaves out of the checks' requests too: calls made straight with the SDK or the
# AWS CLI (not through another service, a browser or a federation), with no source identity set.
# A Condition on one is decided on its absence on AWS as on the emulator.
ABSENT_ON_AWS = (
    "aws:Referer",
    "aws:FederatedProvider",
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:CalledVia",
    "aws:CalledViaFirst",
    "aws:CalledViaLast",
    "aws:SourceIdentity",
)
# Not decided on the emulator for reasons of their own, said in their own words: where a request
# comes from (Gaps), and MFA, which the user's access key never carries (policy_match.console_gap).
SAID_ELSEWHERE = (*NETWORK_KEYS, *MFA_KEYS)


def given(action: str) -> tuple[str, ...]:
    """The keys the emulator gives a request of ``action`` (when the request has them)."""
    wanted = action.lower()
    if wanted == "s3:listbucket":
        return (*EVERY_REQUEST, *LISTING)
    if wanted in INSTANCE_ACTIONS:
        return (*EVERY_REQUEST, *INSTANCE)
    if wanted.startswith("ec2:"):
        return (*EVERY_REQUEST, *EC2_EVERY)
    return EVERY_REQUEST


def _among(key: str, keys: Iterable[str]) -> bool:
    lower = key.lower()
    return any(lower.startswith(k.lower()) if k.endswith("/") else lower == k.lower() for k in keys)


def ungiven(body: Mapping[str, Any], action: str) -> list[str]:
    """The keys a statement's Condition names, as it spells them, that AWS gives (or may give) a
    request of ``action`` and the emulator does not."""
    known = catalogue.action(action)
    found = []
    for key in condition_names(body):
        if _among(key, given(action)) or _among(key, SAID_ELSEWHERE):
            continue
        if key.lower().startswith("aws:"):
            if not _among(key, ABSENT_ON_AWS):
                found.append(key)
        elif known is not None and known.supports_key(key):
            found.append(key)
    return found
