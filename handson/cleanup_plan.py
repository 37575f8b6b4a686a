"""The hands-on's own 片付け (``handson cleanup``): what a learner built, found by name, listed
in the one deletion order with what each holds, and deleted only when asked.

Found as ``--target existing`` finds it (handson/discovery.py's names and bucket pairs), but by
name rather than through the instance, so that a clean-up cut off half-way finds what is left
and finishes the job. What is ambiguous or not the hands-on's alone is a refusal line, and then
nothing at all is deleted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from handson.discovery import INSTANCE_TAG, USER, tagged_instances
from handson.discovery_near import in_other_regions
from handson.i18n import hanging, listed, t, word
from handson.lifecycle.cleanup import Cleanup
from handson.lifecycle.order import STAGE_OF, Kind
from handson.lifecycle.removal import (
    delete_bucket,
    delete_instance_profile,
    delete_policy,
    delete_role,
    delete_user,
    held_by,
    terminate_instance,
)
from handson.names import CONSOLE_ROLE, CONSOLE_ROLE_POLICY, CONSOLE_USER_POLICY
from handson.snapshot import unless_gone
from handson.waiting import AWS_BUDGETS

# The hands-on's console names (step 2-8 of the hands-on; scripts/hand_built.py builds them).
ROLE = CONSOLE_ROLE
POLICIES = (CONSOLE_USER_POLICY, CONSOLE_ROLE_POLICY)
BUCKET_RE = re.compile(r"^handson-s3-([12])-(.+)$")
# An instance in one of these still exists: stopped still bills for its volume.
NOT_TERMINATED = ["pending", "running", "stopping", "stopped", "shutting-down"]
# Each kind's word in the messages (cleanup.holds.<word>, cleanup.kind.<word>).
WORD = {
    Kind.POLICY: "policy",
    Kind.INSTANCE: "instance",
    Kind.PROFILE: "profile",
    Kind.ROLE: "role",
    Kind.BUCKET: "bucket",
    Kind.USER: "user",
}


@dataclass(frozen=True)
class Item:
    """One thing the clean-up would delete, and what it holds (the facts its line shows)."""

    kind: Kind
    name: str
    facts: dict[str, Any] = field(default_factory=dict, compare=False)
    arn: str | None = None  # a managed policy's

    def label(self) -> str:
        return t(f"cleanup.kind.{WORD[self.kind]}", name=self.name)

    def line(self) -> str:
        what = self.label()
        holds = t(f"cleanup.holds.{WORD[self.kind]}", **self.facts)
        if self.facts.get("others"):  # what a user rarely holds, said only when it does
            holds += t("cleanup.holds.others", others=self.facts["others"])
        return f"{what}: {holds}"


@dataclass(frozen=True)
class Elsewhere:
    """An instance of the hands-on in another region than the run's: named, never deleted."""

    region: str
    instance_id: str
    state: str  # as the console says it, in the run's language


@dataclass
class Plan:
    """What the clean-up found: the items in deletion order, or why it deletes nothing."""

    account: str
    name: str | None = None
    items: list[Item] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    # The hands-on's instances in the account's other regions: not this run's to delete, said
    # with the command that cleans up in their region (handson.cleanup).
    elsewhere: list[Elsewhere] = field(default_factory=list)

    def ordered(self) -> list[Item]:
        return sorted(self.items, key=lambda i: (STAGE_OF[i.kind], i.name))

    def lines(self, columns: int | None = None) -> list[str]:
        """The listing, one item each, wrapped to ``columns`` under its text."""
        return [
            line
            for n, item in enumerate(self.ordered(), 1)
            for line in hanging(f"  {n}. ", item.line(), columns)
        ]


def _join(values: list[str]) -> str:
    return listed(values) if values else t("cleanup.none")


def instance_state(state: str) -> str:
    """An EC2 instance's state as the console shows it in the run's language (AWS's own name
    for a state the catalogue does not know)."""
    return word("ec2.state", state)


def state_of(instance: dict[str, Any]) -> str:
    """An instance's state (DescribeInstances' answer) as instance_state words it."""
    return instance_state(instance["State"]["Name"])


def _entities(kind: str, names: list[str]) -> list[str]:
    """IAM users, roles or groups as the listing names them: ``kind`` is user, role or group."""
    return [t(f"cleanup.entity.{kind}", name=name) for name in names]


def hands_on_instances(ec2: Any) -> list[dict[str, Any]]:
    """The hands-on's instances not terminated yet (shutting down ones too: still to wait for)."""
    return tagged_instances(ec2, NOT_TERMINATED)


def _find_instance(ec2: Any, plan: Plan) -> None:
    found = hands_on_instances(ec2)
    if len(found) > 1:
        ids = listed(sorted(i["InstanceId"] for i in found))
        plan.refusals.append(t("cleanup.refuse.two_instances", tag=INSTANCE_TAG, ids=ids))
    elif found:
        instance = found[0]
        arn = instance.get("IamInstanceProfile", {}).get("Arn")
        profile = arn.rsplit("/", 1)[-1] if arn else t("cleanup.none")
        facts = {"state": state_of(instance), "profile": profile}
        plan.items.append(Item(Kind.INSTANCE, instance["InstanceId"], facts))


def hands_on_policies(iam: Any) -> list[dict[str, Any]]:
    """The account's own policies named as the hands-on names them, on any path."""
    pages = iam.get_paginator("list_policies").paginate(Scope="Local")
    return [p for page in pages for p in page["Policies"] if p["PolicyName"] in POLICIES]


def _find_policies(iam: Any, plan: Plan) -> None:
    for policy in hands_on_policies(iam):
        arn, name = policy["Arn"], policy["PolicyName"]
        entities = iam.list_entities_for_policy(PolicyArn=arn)
        users = [u["UserName"] for u in entities.get("PolicyUsers", [])]
        roles = [r["RoleName"] for r in entities.get("PolicyRoles", [])]
        groups = [g["GroupName"] for g in entities.get("PolicyGroups", [])]
        others = _entities("user", [u for u in users if u != USER])
        others += _entities("role", [r for r in roles if r != ROLE])
        others += _entities("group", groups)
        if others:
            plan.refusals.append(t("cleanup.refuse.shared_policy", name=name, others=_join(others)))
            continue
        versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
        attached = _entities("user", users) + _entities("role", roles)
        facts = {"versions": len(versions), "attached": _join(attached)}
        plan.items.append(Item(Kind.POLICY, name, facts, arn))


def _find_role(iam: Any, plan: Plan) -> None:
    if unless_gone(lambda: iam.get_role(RoleName=ROLE)) is None:
        return
    attached = iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]
    inline = iam.list_role_policies(RoleName=ROLE)["PolicyNames"]
    profiles = iam.list_instance_profiles_for_role(RoleName=ROLE)["InstanceProfiles"]
    others = [p["InstanceProfileName"] for p in profiles if p["InstanceProfileName"] != ROLE]
    if others:
        # Deleting the role would take it out of someone else's instance profile.
        plan.refusals.append(t("cleanup.refuse.shared_role", role=ROLE, profiles=_join(others)))
        return
    facts = {
        "attached": _join([p["PolicyName"] for p in attached]),
        "inline": _join(list(inline)),
        "profiles": _join([p["InstanceProfileName"] for p in profiles]),
    }
    plan.items.append(Item(Kind.ROLE, ROLE, facts))


def _find_profile(iam: Any, plan: Plan) -> None:
    found = unless_gone(lambda: iam.get_instance_profile(InstanceProfileName=ROLE))
    if found is None:
        return
    roles = [r["RoleName"] for r in found["InstanceProfile"]["Roles"]]
    if any(role != ROLE for role in roles):
        plan.refusals.append(t("cleanup.refuse.shared_profile", name=ROLE, roles=_join(roles)))
        return
    plan.items.append(Item(Kind.PROFILE, ROLE, {"roles": _join(roles)}))


def bucket_names(s3: Any, name: str | None) -> dict[str, set[str]]:
    """Each <自分の名前> with the numbers of its handson-s3-N-<name> buckets (only ``name``'s
    when it is given)."""
    numbered: dict[str, set[str]] = {}
    for bucket in s3.list_buckets()["Buckets"]:
        match = BUCKET_RE.match(bucket["Name"])
        if match and name in (None, match[2]):
            numbered.setdefault(match[2], set()).add(match[1])
    return numbered


def _find_buckets(s3: Any, name: str | None, plan: Plan) -> None:
    numbered = bucket_names(s3, name)
    if name is None:
        # Without --name, only a whole pair is the learner's: a half may be anyone's.
        pairs = sorted(n for n, numbers in numbered.items() if numbers == {"1", "2"})
        if len(pairs) > 1:
            plan.refusals.append(t("cleanup.refuse.two_pairs", names=listed(pairs)))
            return
        halves = sorted(n for n in numbered if n not in pairs)
        if not pairs and halves:
            plan.refusals.append(t("cleanup.refuse.half_pair", names=listed(halves)))
            return
        numbered = {n: numbered[n] for n in pairs}
    for suffix, numbers in numbered.items():
        plan.name = suffix
        for number in sorted(numbers):
            bucket = f"handson-s3-{number}-{suffix}"
            versions = markers = objects = 0
            for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
                current = [v for v in page.get("Versions", []) if v.get("IsLatest")]
                objects += len(current)
                versions += len(page.get("Versions", []))
                markers += len(page.get("DeleteMarkers", []))
            facts = {"objects": objects, "versions": versions, "markers": markers}
            plan.items.append(Item(Kind.BUCKET, bucket, facts))


def _find_user(iam: Any, plan: Plan) -> None:
    if unless_gone(lambda: iam.get_user(UserName=USER)) is None:
        return
    keys = iam.list_access_keys(UserName=USER)["AccessKeyMetadata"]
    login = unless_gone(lambda: iam.get_login_profile(UserName=USER)) is not None
    attached = iam.list_attached_user_policies(UserName=USER)["AttachedPolicies"]
    inline = iam.list_user_policies(UserName=USER)["PolicyNames"]
    held = held_by(iam, USER)
    facts = {
        "keys": _join([k["AccessKeyId"] for k in keys]),
        "login": t("cleanup.yes") if login else t("cleanup.no"),
        "attached": _join([p["PolicyName"] for p in attached]),
        "inline": _join(list(inline)),
        "groups": _join(list(held.groups)),
        # A virtual device's serial is its ARN: its name (mfa/taro-phone) is enough to know it.
        "mfa": _join([serial.rsplit(":", 1)[-1] for serial in held.mfa_devices]),
        "others": listed(held.credentials),
    }
    plan.items.append(Item(Kind.USER, USER, facts))


def find(
    iam: Any,
    ec2: Any,
    s3: Any,
    account: str,
    caller_arn: str,
    name: str | None,
    ec2_in: Callable[[str], Any] | None = None,
) -> Plan:
    """Everything of the hands-on this account still holds, read-only; refusals where the
    clean-up cannot tell what is the learner's hands-on alone. ``ec2_in`` (an EC2 client in a
    region): the hands-on's instances in the account's other regions are named too."""
    plan = Plan(account)
    elsewhere = in_other_regions(ec2, ec2_in, hands_on_instances) if ec2_in else {}
    plan.elsewhere = [
        Elsewhere(region, i["InstanceId"], state_of(i))
        for region, instances in elsewhere.items()
        for i in instances
    ]
    resource = caller_arn.split(":", 5)[-1]  # user/<path>/<name> for an IAM user
    if resource.startswith("user/") and resource.rsplit("/", 1)[-1] == USER:
        plan.refusals.append(t("cleanup.refuse.as_the_user", user=USER))
    _find_instance(ec2, plan)
    _find_policies(iam, plan)
    _find_profile(iam, plan)
    _find_role(iam, plan)
    _find_buckets(s3, name, plan)
    _find_user(iam, plan)
    return plan


def _as_confirmed(item: Item) -> dict[str, Any]:
    """What of an item the person said yes to: all it was listed with but an instance's state,
    which EC2 changes on its own (pending to running, a termination under way)."""
    if item.kind is Kind.INSTANCE:
        return {k: v for k, v in item.facts.items() if k != "state"}
    return item.facts


def changed_since(shown: Plan, now: Plan) -> list[str]:
    """What the plan found again after the yes (``now``) holds that was not listed so
    (``shown``): an item new or changed (a file put in a bucket, a policy attached to one more
    user), or one refused since; empty when ``now`` deletes nothing that was not confirmed (an
    item gone meanwhile is no change: nothing is left to delete of it)."""
    before = {(i.kind, i.name, i.arn): i for i in shown.items}
    after = {(i.kind, i.name, i.arn): i for i in now.items}
    changed = [
        item
        for key, item in after.items()
        if key not in before or _as_confirmed(before[key]) != _as_confirmed(item)
    ]
    if now.refusals:  # what is refused now is missing from now's items
        changed += [item for key, item in before.items() if key not in after]
        if not changed:
            return list(now.refusals)
    return [item.label() for item in changed]


def _remover(item: Item, iam: Any, ec2: Any, s3: Any) -> Callable[[], None]:
    """The removal of one item, as the teardown and the sweeper remove it (removal.py)."""
    if item.kind is Kind.POLICY:
        assert item.arn is not None
        arn = item.arn
        return lambda: delete_policy(iam, arn)
    if item.kind is Kind.INSTANCE:
        return lambda: terminate_instance(ec2, item.name, budget=AWS_BUDGETS.resource_gone)
    if item.kind is Kind.PROFILE:
        return lambda: delete_instance_profile(iam, item.name)
    if item.kind is Kind.ROLE:
        return lambda: delete_role(iam, item.name)
    if item.kind is Kind.BUCKET:
        return lambda: delete_bucket(s3, item.name)

    # Its groups, MFA devices and other credentials go when DeleteUser refuses (removal.py).
    return lambda: delete_user(iam, item.name)


def delete(
    plan: Plan, iam: Any, ec2: Any, s3: Any, say: Callable[[str], None], retry_budget: float = 60
) -> list[str]:
    """Delete exactly the plan's items, in its order; each one said as it goes. Returns what
    could not be deleted (one line each)."""
    if plan.refusals:
        raise ValueError("a plan with refusals deletes nothing")
    removal = Cleanup(retry_budget=retry_budget)
    # Cleanup runs the newest of a stage first: registered backwards, it keeps the plan's order.
    for item in reversed(plan.ordered()):
        remove = _remover(item, iam, ec2, s3)

        def action(item: Item = item, remove: Callable[[], None] = remove) -> None:
            remove()
            say(t("cleanup.deleted", what=t(f"cleanup.kind.{WORD[item.kind]}", name=item.name)))

        removal.register(item.name, action, STAGE_OF[item.kind])
    return removal.run()
