"""The one deletion order: the teardown's stages, and the stage of every kind the sweeper finds.

Nothing is removed before what holds on to it (AWS answers DeleteConflict or DependencyViolation
otherwise), access goes first, and the run's record goes last. ``DEPENDENCIES`` names each rule
AWS imposes; tests/unit/test_order.py checks the stages keep them.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

from handson.i18n import t


class Stage(IntEnum):
    CREDENTIALS = 1  # access keys, login profile: access goes first
    ATTACHMENTS = 2  # managed policies off the user and the role
    POLICIES = 3
    INSTANCE = 4
    SECURITY_GROUP = 5
    PROFILE_MEMBERSHIP = 6  # the role out of the instance profile
    PROFILE = 7
    ROLE = 8
    BUCKETS = 9
    USER = 10
    RECORD = 11  # the run's record in the account: only once everything else is gone


class Kind(StrEnum):
    """What the sweeper finds and the leak check names, as a person reads it."""

    INSTANCE = "EC2 instance"
    GROUP = "security group"
    PROFILE = "instance profile"
    ROLE = "IAM role"
    USER = "IAM user"
    POLICY = "IAM policy"
    BUCKET = "S3 bucket"
    RECORD = "run record"

    def in_words(self) -> str:
        """This kind in the run's language (the values stay English: logs, records, the sweeper)."""
        return t(f"kind.{self.name.lower()}")


# A swept resource goes whole (a user with its keys and attachments, a profile with its role
# taken out), in the stage of the resource itself.
STAGE_OF: dict[Kind, Stage] = {
    Kind.POLICY: Stage.POLICIES,
    Kind.INSTANCE: Stage.INSTANCE,
    Kind.GROUP: Stage.SECURITY_GROUP,
    Kind.PROFILE: Stage.PROFILE,
    Kind.ROLE: Stage.ROLE,
    Kind.BUCKET: Stage.BUCKETS,
    Kind.USER: Stage.USER,
    Kind.RECORD: Stage.RECORD,
}

# (goes first, goes after, why): what AWS refuses when the second goes first.
DEPENDENCIES: tuple[tuple[Stage, Stage, str], ...] = (
    (Stage.CREDENTIALS, Stage.USER, "DeleteUser: DeleteConflict while it has keys or a login"),
    (Stage.ATTACHMENTS, Stage.USER, "DeleteUser: DeleteConflict while policies are attached"),
    (Stage.ATTACHMENTS, Stage.ROLE, "DeleteRole: DeleteConflict while policies are attached"),
    (Stage.ATTACHMENTS, Stage.POLICIES, "DeletePolicy: DeleteConflict while it is attached"),
    (Stage.INSTANCE, Stage.SECURITY_GROUP, "DeleteSecurityGroup: DependencyViolation in use"),
    (Stage.INSTANCE, Stage.PROFILE_MEMBERSHIP, "the instance's credentials come from the role"),
    (Stage.INSTANCE, Stage.PROFILE, "the instance holds its instance profile"),
    (Stage.PROFILE_MEMBERSHIP, Stage.PROFILE, "DeleteInstanceProfile: DeleteConflict with a role"),
    (Stage.PROFILE_MEMBERSHIP, Stage.ROLE, "DeleteRole: DeleteConflict while in a profile"),
)


def sweep_key(kind: Kind, name: str) -> tuple[Stage, str]:
    """The sweeper's order: by stage, then by name."""
    return STAGE_OF[kind], name
