"""Where a piece of the hands-on is, when it is not where the hands-on says (handson.discovery):
an instance in another region than the run's (a learner's console opens in the region it was
last in), a user or an instance tag named almost as the hands-on names them (Handson-Instance,
handson_iam_user). Read-only, and only named: the suite never grades a piece it had to guess.
A read the caller may not make (a grading role that allows only some) gives nothing."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from handson.at_once import read_at_once

# How close a name must come to the hands-on's to be named as the learner's slip (difflib's
# ratio: handson-iam-user1 0.97, hands-on-iam-user 0.97, handson-user 0.86, my-user 0.52).
ALIKE = 0.85
Instances = list[dict[str, Any]]
# Regions read at once (in_other_regions): each a thread waiting on its answer, each client its own
# session: an account's sixteen other regions (those AWS enables by default) in two rounds.
REGION_READERS = 8


def alike(name: str, wanted: str) -> bool:
    """Whether ``name`` is a slip for ``wanted``: the same but for case, spaces, underscores and
    the ends' spaces, or close by difflib's ratio; ``wanted`` itself is not a slip."""
    if name == wanted:
        return False
    plain = name.strip().casefold().replace("_", "-").replace(" ", "-")
    return plain == wanted or difflib.SequenceMatcher(None, plain, wanted).ratio() >= ALIKE


def users_alike(iam: Any, wanted: str) -> list[str]:
    """The account's users whose names are slips for ``wanted``."""
    try:
        pages = iam.get_paginator("list_users").paginate()
        names = [u["UserName"] for page in pages for u in page["Users"]]
    except (ClientError, BotoCoreError):
        return []
    return sorted(n for n in names if alike(n, wanted))


def instances_alike(ec2: Any, wanted: str, states: list[str]) -> dict[str, list[str]]:
    """The region's instances whose Name tags are slips for ``wanted``: their IDs by tag."""
    try:
        reservations = ec2.describe_instances(
            Filters=[
                {"Name": "tag-key", "Values": ["Name"]},
                {"Name": "instance-state-name", "Values": states},
            ]
        )["Reservations"]
    except (ClientError, BotoCoreError):
        return {}
    found: dict[str, list[str]] = {}
    for instance in (i for r in reservations for i in r["Instances"]):
        name = next((t["Value"] for t in instance.get("Tags", []) if t["Key"] == "Name"), "")
        if alike(name, wanted):
            found.setdefault(name, []).append(instance["InstanceId"])
    return found


def in_other_regions(
    ec2: Any,
    ec2_in: Callable[[str], Any],
    find: Callable[[Any], Instances],
    readers: int = REGION_READERS,
) -> dict[str, Instances]:
    """What ``find`` finds with an EC2 client in each of the account's regions but ``ec2``'s,
    by region, in the regions' alphabetical order. A region that cannot be read (a policy that
    allows only some, one not enabled) is passed over. Read only where the run's region is not
    enough, and up to ``readers`` regions at once: on AWS each region is a new connection to a
    place that may be far from the learner (São Paulo from Tokyo), and a clean-up reads them all
    twice (before and after it deletes)."""
    try:
        regions = [r["RegionName"] for r in ec2.describe_regions()["Regions"]]
    except (ClientError, BotoCoreError):
        return {}

    def read(region: str) -> Instances:
        try:
            return find(ec2_in(region))
        except (ClientError, BotoCoreError):
            return []

    others = sorted(set(regions) - {ec2.meta.region_name})
    if not others:
        return {}
    held = read_at_once(read, others, readers)  # a Ctrl-C does not wait for them
    return {region: found for region, found in zip(others, held, strict=True) if found}
