"""One place for every name and tag of a run.

The hands-on asks for a ``<自分の名前>`` suffix ("your name") that makes its bucket names globally
unique. The suite puts the run's suffix into every name that must be unique, so that two runs in one
account or one emulator never touch each other's resources.
"""

from __future__ import annotations

import getpass
import re
import secrets
import socket
import string
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import Enum

from handson import SUITE
from handson.errors import SuiteUsageError
from handson.i18n import t

PLACEHOLDER = "<自分の名前>"
# The placeholder in a JSON text, each character as itself or as its JSON escape (\u81ea ...):
# a tool that writes JSON with ASCII only escapes it, and the document means the same.
PLACEHOLDER_IN_JSON = re.compile(
    "".join(f"(?:{re.escape(c)}|\\\\u{ord(c):04x})" for c in PLACEHOLDER), re.IGNORECASE
)


def placeholder_filled(pattern: str, arn: str) -> str | None:
    """``pattern`` with the <自分の名前> left in it (a policy as an account holds it, which AWS
    compares as written) made the name of the bucket that ``arn`` is in, where the part before
    the placeholder leads to it: what the learner meant to write."""
    head, placeholder, _ = pattern.partition(PLACEHOLDER)
    name = arn[len(head) :].split("/")[0] if placeholder and arn.startswith(head) else ""
    return pattern.replace(PLACEHOLDER, name) if name else None


# What the hands-on uses by AWS's own names.
INSTANCE_TYPE = "t2.micro"  # the hands-on's (its step 1: the free tier's)
AUTO_TYPE = "auto"  # --instance-type: the first of the preferred types the account offers
AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64"
SSM_CORE_POLICY_ARN = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"


# An AWS managed policy's ARN, in any partition; its name (the last part of its path) group 1.
AWS_MANAGED_ARN = re.compile(r"arn:aws[\w-]*:iam::aws:policy/(?:[\w+=,.@/-]*/)?([\w+=,.@-]+)")


def aws_managed(arn: str | None) -> bool:
    """Whether a policy's ARN is of an AWS managed policy: AWS writes and keeps it, and a
    learner can attach it but not change it."""
    return bool(arn and AWS_MANAGED_ARN.fullmatch(arn))


EC2_SERVICE = "ec2.amazonaws.com"
TEST_FILE = "test.txt"  # R2's file, which the role uploads to bucket 1, reads and deletes
# The user and role a learner makes in the console (the hands-on's steps 3 and 9), and the
# policies (its steps 2 and 8), by these names.
CONSOLE_USER = "handson-iam-user"
CONSOLE_ROLE = "handson-iam-role"
CONSOLE_USER_POLICY = "handson-iam-user-policy"
CONSOLE_ROLE_POLICY = "handson-iam-role-policy"

# The longest name built from the suffix is the IAM user/role name ``handson-iam-role-<name>``
# (IAM allows 64 characters); bucket names allow 63 with a 13-character prefix.
MAX_NAME_LENGTH = 40
MIN_NAME_LENGTH = 3
# S3's characters, periods included: a learner's buckets may be handson-s3-1-taro.yamada (S3
# allows it, and botocore and the AWS CLI address a bucket with a period by its path).
_NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$")
# An AWS account ID inside a text (an ARN's), where two runs or two learners' texts differ.
ACCOUNT_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
# "--ol-s3", "--x-s3" and "--table-s3" are reserved too; the "--" rule already refuses them.
_FORBIDDEN_SUFFIXES = ("-s3alias",)


def validate_name(name: str, where: str | None = None) -> str:
    """Return ``name`` if it can be the hands-on's ``<自分の名前>``, else raise a one-line error
    that starts with ``where`` (default: the --name option)."""
    refused = _refusal(name, where or f"--name {name!r}")
    if refused:
        raise SuiteUsageError(refused)
    return name


def _refusal(name: str, where: str) -> str | None:
    """Why ``name`` cannot be the name, or None. What is wrong with its characters comes first:
    a name written in Japanese is told to be written in romaji, not to be made longer."""
    if name and not _NAME_RE.fullmatch(name):
        return t("name.chars", where=where) + _written_instead(name)
    if not MIN_NAME_LENGTH <= len(name) <= MAX_NAME_LENGTH:
        return t(
            "name.length", where=where, low=MIN_NAME_LENGTH, high=MAX_NAME_LENGTH, length=len(name)
        )
    if "--" in name:
        return t("name.double_hyphen", where=where)
    if ".." in name:
        return t("name.double_period", where=where)
    reserved = next((s for s in _FORBIDDEN_SUFFIXES if name.endswith(s)), None)
    if reserved:
        return t("name.reserved", where=where, suffix=repr(reserved))
    return None


def _written_instead(name: str) -> str:
    """What the learner may have meant: romaji, where the name has characters that are not ASCII
    (Japanese); else the name in lowercase with a hyphen for each run of other characters
    ('Taro_Yamada' -> 'taro-yamada'), where that is a good name. Letters, digits and spaces that
    a Japanese input method typed in full width are the ASCII ones ('ｔａｒｏ' -> 'taro')."""
    ascii_form = unicodedata.normalize("NFKC", name)
    if not ascii_form.isascii():
        return t("name.hint_romaji")
    instead = re.sub(r"[^a-z0-9.]+", "-", ascii_form.lower()).strip("-.")
    if instead == name or _refusal(instead, "") is not None:
        return ""
    return t("name.hint_lower", name=instead)


def default_name(today: date | None = None) -> str:
    """Date plus random letters, as the hands-on suggests (``20251126-abc123``)."""
    day = (today or date.today()).strftime("%Y%m%d")
    alphabet = string.ascii_lowercase + string.digits
    return f"{day}-" + "".join(secrets.choice(alphabet) for _ in range(6))


TAG_SUITE, TAG_RUN, TAG_NAME, TAG_CREATED_BY, TAG_STARTED, TAG_EXPIRES = (
    "handson:suite",
    "handson:run",  # the run's own ID: what proves that a resource is this run's
    "handson:name",  # the <自分の名前> the run used (several runs may use one name, in turn)
    "handson:created-by",
    "handson:started-at",
    "handson:expires-at",
)
RUN_LIFETIME = timedelta(hours=4)  # after this, the sweeper may remove what a run left
_TAG_VALUE_RE = re.compile(r"[^\w .:/=+@-]")
_RUN_ID_RE = re.compile(r"^\d{8}-\d{6}-[a-z0-9]{6}$")
LEDGER_PATH = f"/{SUITE}/runs/"  # SSM parameters: each run's claim on its name, and its record


def timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def expiry(now: datetime | None = None, lifetime: timedelta = RUN_LIFETIME) -> str:
    return timestamp((now or datetime.now(UTC)) + lifetime)


def now_stamp() -> str:
    return timestamp(datetime.now(UTC))


def new_run_id(now: datetime | None = None) -> str:
    """A run's own ID, unique even when two runs share a name: ``20261130-011500-k3x9qa``."""
    alphabet = string.ascii_lowercase + string.digits
    random_part = "".join(secrets.choice(alphabet) for _ in range(6))
    return (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S-") + random_part


def is_run_id(value: str) -> bool:
    """Whether ``value`` has the form of new_run_id's IDs."""
    return bool(_RUN_ID_RE.fullmatch(value))


def validate_run_id(run_id: str) -> str:
    if not is_run_id(run_id):
        raise SuiteUsageError(t("sweep.run_id", value=repr(run_id)))
    return run_id


def parse_timestamp(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def default_creator() -> str:
    """Who started the run, as a tag value (AWS allows letters, digits, spaces, _.:/=+-@)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return _TAG_VALUE_RE.sub("_", f"{user}@{socket.gethostname()}")[:256]


class HandsonBucket(Enum):
    """The hands-on's two buckets: handson-s3-1 and handson-s3-2."""

    ONE = 1
    TWO = 2


@dataclass(frozen=True)
class RunNames:
    """The names of everything one run creates, derived from the run's suffix, and the tags
    that say which run made a resource, who started it, and when it may be swept."""

    suffix: str
    created_by: str = field(default_factory=default_creator)
    expires_at: str = field(default_factory=expiry)
    run_id: str = field(default_factory=new_run_id)
    started_at: str = field(default_factory=now_stamp)
    # The names a learner gave their user and role, for a replay of what they built by hand
    # (--target existing): what the run shows is then what they see in their console.
    given_user: str | None = None
    given_role: str | None = None

    def __post_init__(self) -> None:
        validate_name(self.suffix)

    @property
    def user(self) -> str:
        return self.given_user or f"handson-iam-user-{self.suffix}"

    @property
    def user_policy(self) -> str:
        return f"handson-iam-user-policy-{self.suffix}"

    @property
    def role(self) -> str:
        return self.given_role or f"handson-iam-role-{self.suffix}"

    @property
    def role_policy(self) -> str:
        return f"handson-iam-role-policy-{self.suffix}"

    def boundary(self, side: str) -> str:
        """A replay's copy of the learner's permissions boundary of the user or the role."""
        return f"handson-iam-{side}-boundary-{self.suffix}"

    @property
    def instance_profile(self) -> str:
        # The console names the instance profile after the role.
        return self.role

    @property
    def instance_name(self) -> str:
        return "handson-instance"

    @property
    def security_group(self) -> str:
        return f"handson-sg-{self.suffix}"

    @property
    def bucket1(self) -> str:
        return f"handson-s3-1-{self.suffix}"

    @property
    def bucket2(self) -> str:
        return f"handson-s3-2-{self.suffix}"

    def bucket(self, which: HandsonBucket) -> str:
        return self.bucket1 if which is HandsonBucket.ONE else self.bucket2

    @property
    def scratch_bucket(self) -> str:
        """The bucket the IAM user creates and deletes for U2."""
        return f"handson-s3-u-{self.suffix}"

    @property
    def own_mark(self) -> str:
        """What every name a live run writes in a learner's account carries (--target existing
        --live): the run's ID, so that nothing of anyone else's can have it."""
        return f"handson-acceptance-{self.run_id}"

    @property
    def admin_user(self) -> str:
        """The emulator's provisioning identity of this run (named after the run, not the name:
        it is created before the run may claim its name)."""
        return f"handson-admin-{self.run_id}"

    @property
    def ledger(self) -> str:
        """The SSM parameter that claims this name for one run at a time and records what the
        run creates before it can carry the run's tags (buckets)."""
        return f"{LEDGER_PATH}{self.suffix}"

    @property
    def test_file(self) -> str:
        """R2's test.txt, which the role uploads to bucket 1, reads and deletes."""
        return TEST_FILE

    @property
    def sample_file(self) -> str:
        """The learner's "適当なファイル", uploaded under ``open/`` and ``close/``."""
        return "handson-sample.txt"

    def render(self, text: str) -> str:
        """Replace the hands-on's ``<自分の名前>`` placeholder with this run's suffix."""
        return PLACEHOLDER_IN_JSON.sub(lambda _: self.suffix, text)

    @property
    def tags(self) -> dict[str, str]:
        return {
            TAG_SUITE: SUITE,
            TAG_RUN: self.run_id,
            TAG_NAME: self.suffix,
            TAG_CREATED_BY: self.created_by,
            TAG_STARTED: self.started_at,
            TAG_EXPIRES: self.expires_at,
        }

    def tag_list(self, **extra: str) -> list[dict[str, str]]:
        return [{"Key": k, "Value": v} for k, v in {**self.tags, **extra}.items()]
