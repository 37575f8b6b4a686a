"""What one run built, as the hands-on builds it: what the steps and checks are given."""

from __future__ import annotations

from dataclasses import dataclass, field

from handson.aws import Credentials
from handson.names import RunNames


@dataclass(frozen=True)
class LoginProfile:
    user_name: str
    password: str | None = field(repr=False)  # None: a learner's own, which cannot be read


@dataclass(frozen=True)
class Built:
    """What the run builds differently from the hands-on's steps: nothing, except when it replays
    an environment a learner built by hand (``--target existing``) without some of it."""

    ssm_core: bool = True  # AmazonSSMManagedInstanceCore attached to the role
    login_profile: bool = True  # a console password for the user
    reset_required: bool = False  # the password must be changed at the first sign-in
    password_known: bool = True  # False: it stands for a learner's own, which cannot be read
    # As whose account, and with what instance ID, the run's own emulator builds: None, its own.
    # A replay's are the learner's, so that an ARN of their policies naming either means it there.
    account_id: str | None = None
    instance_id: str | None = None


AS_THE_HANDS_ON = Built()


@dataclass(frozen=True)
class HandsonEnvironment:
    """What one run built, as the hands-on builds it."""

    names: RunNames
    user_arn: str
    user_credentials: Credentials
    login: LoginProfile | None  # None: the replayed user has no console password
    user_policy_arn: str
    role_arn: str
    role_policy_arn: str
    instance_profile_arn: str
    instance_id: str
    ami_id: str
    security_group_id: str
    objects: dict[str, bytes]  # key in bucket 2 -> content the learner uploaded
    # Where the checks act: the hands-on's names for a run's own build; names of the run's own
    # in a learner's account (--target existing --live), which may hold the hands-on's.
    role_name: str
    sample_file: str  # the "適当なファイル" under open/, close/ and at bucket 2's root
    test_file: str  # R2's test.txt in bucket 1
    scratch_bucket: str  # the bucket the user creates and deletes for U2
