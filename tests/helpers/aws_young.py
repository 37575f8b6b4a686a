"""What AWS answers about what was made, changed or removed moments ago: the AWS-like layer's
eventual consistency (tests/helpers/aws_like.py), in compressed time.

Each behaviour starts with a call the layer saw pass through with AWS's 200 (a key made, a policy
attached, a bucket deleted, ...) and lasts a number of seconds (``Young``; 0 turns it off) from
the first call that meets it, so that it is met however fast or slow the machine is (AWS's own
windows, counted from the making, outlast any gap of an offline run). Each answers in the
service's own error shape (tests/helpers/aws_errors.py). Where each comes from:

=====================  ============================================================================
behaviour              AWS's answer, and the source
=====================  ============================================================================
``key refused``        a new access key: IAM/STS 403 ``InvalidClientTokenId``, S3 403
                       ``InvalidAccessKeyId``, EC2 401 ``AuthFailure``, SSM 400
                       ``UnrecognizedClientException``. IAM User Guide, "Changes that I make are not
                       always immediately visible" (troubleshoot_general.html#troubleshoot_general_
                       eventual-consistency); terratest's aws.NewAuthenticatedSession callers and
                       terraform-provider-aws's iam ``propagationTimeout`` (2 minutes) wait it out.
``policy delay``       a policy put on or attached to a user or role: that principal's calls are
                       refused ``AccessDenied`` (EC2 ``UnauthorizedOperation``, SSM
                       ``AccessDeniedException``) as before the change; GetCallerIdentity never is.
                       Same IAM User Guide page ("permissions ... take time to propagate").
``profile unknown``    RunInstances naming a new instance profile: 400 ``InvalidParameterValue``,
                       "Invalid IAM Instance Profile name". terraform-provider-aws
                       internal/service/ec2 (ec2_instance.go) retries RunInstances on exactly that
                       message for its IAM propagation timeout.
``instance unknown``   DescribeInstances (or TerminateInstances) naming an instance launched
                       moments ago: 400 ``InvalidInstanceID.NotFound``. EC2 API Reference,
                       "Eventual consistency in the Amazon EC2 API"; terraform-provider-aws waits
                       for the instance with that code retried.
``bucket name held``   CreateBucket of a name deleted moments ago: 409 ``OperationAborted``, "A
                       conflicting conditional operation is currently in progress against this
                       resource." S3 API Reference (CreateBucket, error codes);
                       terraform-provider-aws internal/service/s3/bucket.go's
                       ``bucketPropagationTimeout`` (2 minutes).
``role in profile``    DeleteRole moments after RemoveRoleFromInstanceProfile: 409
                       ``DeleteConflict``, "Cannot delete entity, must remove roles from instance
                       profile first." IAM API Reference (DeleteRole); terraform-provider-aws
                       retries DeleteConflict when it deletes a role.
=====================  ============================================================================

Refusals of the first two kinds are remembered with the call they refused (who, method, path,
body): ``final_refusals`` lists those the client never sent again and got AWS's own answer to,
which is what a suite that took a not-yet-propagated key or policy for a verdict leaves.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from tests.helpers import aws_errors
from tests.helpers.aws_requests import access_key, form, operation_name, signing_service
from tests.helpers.fault_proxy_types import Answer, Request

KEY_REFUSED = "key refused"
POLICY_DELAY = "policy delay"
PROFILE_UNKNOWN = "profile unknown"
INSTANCE_UNKNOWN = "instance unknown"
BUCKET_NAME_HELD = "bucket name held"
ROLE_IN_PROFILE = "role in profile"
BEHAVIOURS = (
    KEY_REFUSED,
    POLICY_DELAY,
    PROFILE_UNKNOWN,
    INSTANCE_UNKNOWN,
    BUCKET_NAME_HELD,
    ROLE_IN_PROFILE,
)
_USER_POLICY = {"PutUserPolicy", "AttachUserPolicy", "PutUserPermissionsBoundary"}
_ROLE_POLICY = {"PutRolePolicy", "AttachRolePolicy", "PutRolePermissionsBoundary"}
_NEVER_DENIED = {("sts", "GetCallerIdentity")}
_TAG = re.compile(r"<{0}>([^<]+)</{0}>")


def _tagged(name: str, body: bytes) -> list[str]:
    return re.findall(_TAG.pattern.format(name), body.decode("utf-8", "replace"))


@dataclass(frozen=True)
class Young:
    """Seconds each behaviour lasts after the call that starts it (compressed time); 0: off."""

    key_refused: float = 0.0
    policy_delay: float = 0.0
    profile_unknown: float = 0.0
    instance_unknown: float = 0.0
    bucket_name_held: float = 0.0
    role_in_profile: float = 0.0


@dataclass(frozen=True)
class Refusal:
    """A call refused because a key or a policy had not propagated yet."""

    behaviour: str
    principal: str
    call: tuple[str, str, str, bytes]  # access key, method, path, body
    operation: str


@dataclass
class YoungState:
    """What the layer saw made, when a call first met it (monotonic seconds), and what it
    answered for it."""

    young: Young
    account: str = "123456789012"
    clock: Callable[[], float] = time.monotonic
    # Each table: a young thing -> when a call first met it (None: not yet; its window starts
    # then). Keys, principals whose policy changed, profiles, instances, bucket names, roles.
    keys: dict[str, float | None] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)  # a key -> its principal
    sessions: dict[str, str] = field(default_factory=dict)  # a role session's key -> its name
    changed: dict[str, float | None] = field(default_factory=dict)
    profiles: dict[str, float | None] = field(default_factory=dict)
    instances: dict[str, float | None] = field(default_factory=dict)
    deleted_buckets: dict[str, float | None] = field(default_factory=dict)
    removed_roles: dict[str, float | None] = field(default_factory=dict)
    met: Counter[str] = field(default_factory=Counter)
    refusals: list[Refusal] = field(default_factory=list)
    answered_later: set[tuple[str, str, str, bytes]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- who signs -----------------------------------------------------------------------------

    def knows_key(self, key: str, role: str, session: str) -> None:
        """A key the layer cannot see made (an instance's role session, from EC2's metadata):
        whose it is. No refusal window starts for it: the metadata hands out working keys."""
        with self.lock:
            self.owners.setdefault(key, f"role/{role}")
            self.sessions[key] = session

    # -- before forwarding ---------------------------------------------------------------------

    def refuse(self, request: Request) -> Answer | None:
        """AWS's answer instead of the emulator's, while something young is not visible yet."""
        service = signing_service(request)
        if service is None:
            return None
        action = operation_name(service, request) or "?"
        now = self.clock()
        return (
            self._unpropagated(request, service, action, now)
            or self._profile(request, service, action, now)
            or self._instance(request, service, action, now)
            or self._bucket(request, service, action, now)
            or self._role(request, service, action, now)
        )

    def _held(self, table: dict[str, float | None], name: str, seconds: float, now: float) -> bool:
        """Whether ``name`` is still young: for ``seconds`` from the first call that meets it.
        Compressed time: AWS's windows are counted from the making, and outlast any gap of an
        offline run; counted from the first call, each behaviour is met however fast or slow
        the machine is."""
        with self.lock:
            if seconds <= 0 or name not in table:
                return False
            first = table[name]
            if first is None:
                table[name] = first = now
        return now - first < seconds

    def _unpropagated(
        self, request: Request, service: str, action: str, now: float
    ) -> Answer | None:
        key = access_key(request) or ""
        with self.lock:
            principal = self.owners.get(key)
            session = self.sessions.get(key, "session")
        if principal is None:
            return None
        call = (key, request.method, request.path, request.body)
        if self._held(self.keys, key, self.young.key_refused, now):
            answer = aws_errors.invalid_key(service, request)
            behaviour = KEY_REFUSED
        elif (service, action) not in _NEVER_DENIED and self._held(
            self.changed, principal, self.young.policy_delay, now
        ):
            arn = self._arn(principal, session)
            answer = aws_errors.access_denied(service, request, arn, f"{service}:{action}")
            behaviour = POLICY_DELAY
        else:
            with self.lock:
                self.answered_later.add(call)
            return None
        with self.lock:
            self.met[behaviour] += 1
            self.refusals.append(Refusal(behaviour, principal, call, action))
        return answer

    def _arn(self, principal: str, session: str) -> str:
        if principal.startswith("role/"):
            role = principal.removeprefix("role/")
            return f"arn:aws:sts::{self.account}:assumed-role/{role}/{session}"
        return f"arn:aws:iam::{self.account}:{principal}"

    def _profile(self, request: Request, service: str, action: str, now: float) -> Answer | None:
        if (service, action) != ("ec2", "RunInstances"):
            return None
        params = form(request)
        name = params.get("IamInstanceProfile.Name", [""])[0]
        name = name or params.get("IamInstanceProfile.Arn", [""])[0].rsplit("/", 1)[-1]
        if not self._held(self.profiles, name, self.young.profile_unknown, now):
            return None
        self._met(PROFILE_UNKNOWN)
        message = (
            f"Value ({name}) for parameter iamInstanceProfile.name is invalid. "
            "Invalid IAM Instance Profile name"
        )
        return aws_errors.ec2_error(400, "Bad Request", "InvalidParameterValue", message)

    def _instance(self, request: Request, service: str, action: str, now: float) -> Answer | None:
        if service != "ec2" or action not in ("DescribeInstances", "TerminateInstances"):
            return None
        params = form(request)
        if params.get("DryRun", ["false"])[0].lower() == "true":
            return None
        named = [v for k, vs in params.items() if k.startswith("InstanceId") for v in vs]
        window = self.young.instance_unknown
        young = [i for i in named if self._held(self.instances, i, window, now)]
        if not young:
            return None
        self._met(INSTANCE_UNKNOWN)
        return aws_errors.instance_not_found(young)

    def _bucket(self, request: Request, service: str, action: str, now: float) -> Answer | None:
        if (service, action) != ("s3", "CreateBucket"):
            return None
        bucket = _bucket_of(request)
        if not self._held(self.deleted_buckets, bucket, self.young.bucket_name_held, now):
            return None
        self._met(BUCKET_NAME_HELD)
        message = (
            "A conflicting conditional operation is currently in progress against this "
            "resource. Please try again."
        )
        return aws_errors.s3_error(409, "Conflict", "OperationAborted", message, head=False)

    def _role(self, request: Request, service: str, action: str, now: float) -> Answer | None:
        if (service, action) != ("iam", "DeleteRole"):
            return None
        role = form(request).get("RoleName", [""])[0]
        if not self._held(self.removed_roles, role, self.young.role_in_profile, now):
            return None
        self._met(ROLE_IN_PROFILE)
        message = "Cannot delete entity, must remove roles from instance profile first."
        return aws_errors.query_error("iam", 409, "Conflict", "Sender", "DeleteConflict", message)

    def _met(self, behaviour: str) -> None:
        with self.lock:
            self.met[behaviour] += 1

    # -- after AWS's own answer ----------------------------------------------------------------

    def saw(self, request: Request, answer: Answer) -> None:
        """Note what an answered call made, changed or removed, and when."""
        if answer.status >= 300:
            return
        service = signing_service(request)
        if service not in ("iam", "ec2", "s3"):
            return
        action = operation_name(service, request)
        params = form(request) if service in ("iam", "ec2") else {}
        name = {k: v[0] for k, v in params.items() if v}
        with self.lock:
            if (service, action) == ("iam", "CreateAccessKey"):
                keys, users = _tagged("AccessKeyId", answer.body), _tagged("UserName", answer.body)
                for key, user in zip(keys, users, strict=True):
                    self.owners[key] = f"user/{user}"
                    self.keys[key] = None
            elif service == "iam" and action in _USER_POLICY:
                self.changed[f"user/{name.get('UserName', '')}"] = None
            elif service == "iam" and action in _ROLE_POLICY:
                self.changed[f"role/{name.get('RoleName', '')}"] = None
            elif action in ("CreateInstanceProfile", "AddRoleToInstanceProfile"):
                self.profiles[name.get("InstanceProfileName", "")] = None
            elif action == "RemoveRoleFromInstanceProfile":
                self.removed_roles[name.get("RoleName", "")] = None
            elif (service, action) == ("ec2", "RunInstances"):
                for instance in _tagged("instanceId", answer.body):
                    self.instances[instance] = None
            elif (service, action) == ("s3", "DeleteBucket"):
                self.deleted_buckets[_bucket_of(request)] = None

    # -- afterwards ----------------------------------------------------------------------------

    def final_refusals(self) -> list[Refusal]:
        """Refusals whose call was never sent again and answered by AWS itself: a client that
        took a key or a policy that had not propagated yet for its answer."""
        with self.lock:
            return [r for r in self.refusals if r.call not in self.answered_later]


def _bucket_of(request: Request) -> str:
    """The bucket of a path-style S3 request (how the suite's clients reach an endpoint URL)."""
    return unquote(urlsplit(request.path).path.lstrip("/").split("/", 1)[0])
