"""What discovered.json, written by handson discover beside the policy files, says of them: the
name and ARN of a permissions boundary as the account holds it, and which of a merged file's
statements came from AWS managed policies, and the bucket pair's bucket policies. A folder
without it (a learner's own) says nothing."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from handson.bucket_keys import bucket_lines
from handson.iam_engine import NamedPolicy
from handson.names import aws_managed
from handson.policies import DISCOVERED_MANIFEST, PolicySet, Render


def boundary_policy(policies: PolicySet, side: str, render: Render) -> NamedPolicy:
    """The boundary file of ``side`` as the run names it: the policy's name in the account it
    was found in (else the file's), AWS managed or not as its ARN there says."""
    file = policies.boundary(side)
    assert file is not None
    found = _manifest(policies).get(f"{side}_boundary")
    found = found if isinstance(found, dict) else {}
    return NamedPolicy(
        str(found.get("name") or file.path.name),
        file.document(render),
        aws_managed=aws_managed(found.get("arn")),
    )


def aws_managed_sids(policies: PolicySet) -> frozenset[str]:
    """The Sids of the statements a file handson discover wrote took from AWS managed policies
    (discovered.json's ``sids`` of each), which are AWS's, not the learner's."""
    manifest = _manifest(policies)
    sources = [*manifest.get("user_policies", []), *manifest.get("role_policies", [])]
    return frozenset(
        str(sid)
        for source in sources
        if isinstance(source, dict) and aws_managed(source.get("arn"))
        for sid in source.get("sids", [])
    )


def bucket_policies(policies: PolicySet) -> dict[str, dict[str, Any] | None]:
    """The bucket policies discover found on the bucket pair (None: one it could not read)."""
    found = _manifest(policies).get("bucket_policies")
    return dict(found) if isinstance(found, dict) else {}


def bucket_keys(policies: PolicySet) -> dict[str, str | None]:
    """The KMS keys of the learner's own discover found the bucket pair encrypted with (None:
    a bucket whose encryption it could not read)."""
    found = _manifest(policies).get("bucket_keys")
    return dict(found) if isinstance(found, dict) else {}


def notes(policies: PolicySet) -> list[str]:
    """What a run of discover's folder says first: the bucket policies and KMS keys it found,
    which the run does not make (the checks they may decide are not decided)."""
    return bucket_lines(bucket_policies(policies), bucket_keys(policies))


def _manifest(policies: PolicySet) -> dict[str, Any]:
    with contextlib.suppress(OSError, ValueError):
        path = policies.user.path.parent / DISCOVERED_MANIFEST
        found = json.loads(path.read_text("utf-8"))
        return found if isinstance(found, dict) else {}
    return {}
