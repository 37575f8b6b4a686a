"""Watch mode's edits, put into the environment a run built: a saved identity policy becomes the
policy's new default version (a saved boundary file, the boundary's), a saved trust policy the
role's trust policy. Nothing is rebuilt,
so the next checks are about the saved documents and nothing else. (Here, not in handson/watch.py,
what both sides of a save use: that module also runs as ``python -m handson.watch``, and its
classes would then be other classes than the ones fixtures/watch.py imports.)"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from handson.environment import HandsonEnvironment
from handson.policies import PolicyDocument, PolicyFile, PolicySet, Render


@dataclass(frozen=True)
class Unusable:
    """A save that could not be used: what was said of it (empty: the files are again as last
    checked, and usable)."""

    lines: tuple[str, ...]


Saved = PolicySet | Unusable  # what watch mode's edits give for each save

# Which of a policy set's files changed -> the checks that act under it (their feature's tag).
CHECKED_AS = {
    "user": "user",
    "role": "role",
    "trust": "role",
    "user boundary": "user",
    "role boundary": "role",
}


def files_of(policies: PolicySet) -> dict[str, PolicyFile]:
    """The set's files by what each is (CHECKED_AS's keys): a boundary's where the folder has it."""
    files = {"user": policies.user, "role": policies.role, "trust": policies.trust}
    return files | {f"{side} boundary": file for side, file in policies.boundaries}


def changed_files(before: PolicySet, after: PolicySet) -> frozenset[str]:
    """``user``, ``role``, ``trust``, ``user boundary`` and ``role boundary``: the files whose
    text is not what it was (a file there on one side only: handson/watch.py refuses that)."""
    old, new = files_of(before), files_of(after)
    return frozenset(
        k
        for k in old.keys() | new.keys()
        if k not in old or k not in new or old[k].text != new[k].text
    )


def checked_as(changed: frozenset[str]) -> frozenset[str]:
    """The principals (``user``, ``role``) whose checks an edit of these files concerns."""
    return frozenset(CHECKED_AS[side] for side in changed)


def apply_edits(
    iam: Any,
    env: HandsonEnvironment,
    policies: PolicySet,
    changed: frozenset[str],
    render: Render,
) -> None:
    """Put the changed documents into the environment, through the provisioning identity."""
    if "user" in changed:
        new_default_version(iam, env.user_policy_arn, policies.user.document(render))
    if "role" in changed:
        new_default_version(iam, env.role_policy_arn, policies.role.document(render))
    if "trust" in changed:
        iam.update_assume_role_policy(
            RoleName=env.role_name, PolicyDocument=json.dumps(policies.trust.document(render))
        )
    for side in ("user", "role"):
        file = policies.boundary(side)
        if f"{side} boundary" in changed and file is not None:
            new_default_version(iam, boundary_arn(iam, env, side), file.document(render))


def boundary_arn(iam: Any, env: HandsonEnvironment, side: str) -> str:
    """The ARN of the boundary the run's user or role was made with, as IAM tells."""
    if side == "user":
        found = iam.get_user(UserName=env.names.user)["User"]
    else:
        found = iam.get_role(RoleName=env.role_name)["Role"]
    return str(found["PermissionsBoundary"]["PermissionsBoundaryArn"])


def new_default_version(iam: Any, arn: str, document: PolicyDocument) -> None:
    """The document as the policy's default version. IAM keeps at most five versions of a
    policy: the older ones, never the default, are deleted first (the teardown deletes them all
    anyway)."""
    for version in iam.list_policy_versions(PolicyArn=arn)["Versions"]:
        if not version["IsDefaultVersion"]:
            iam.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(document), SetAsDefault=True)
