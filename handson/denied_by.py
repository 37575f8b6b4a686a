"""Which kind of policy AWS says denied a call, read from its access-denied message.

AWS's authorization errors name the type of policy that denied the request, for calls within one
account or one organization (IAM User Guide, "Access denied error messages"; S3 User Guide,
"Troubleshoot access denied (403 Forbidden) errors")::

    User: <arn> is not authorized to perform: <action> on resource: <arn>
    because no service control policy allows the <action> action
    ... with an explicit deny in a service control policy[, with policy ARN: <arn>]

and, in older answers, "due to an explicit deny in a Service Control Policy". EC2 puts the same
words after "You are not authorized to perform this operation."; the AWS CLI on the instance
prints the message after "An error occurred (AccessDenied) when calling ...".

The checks judge the principal's own design: its identity policies, its permissions boundary,
the role's trust policy. A denial that AWS says came from a policy outside it (an organization's
SCP or RCP, a VPC endpoint policy, a session policy, a resource-based policy such as a bucket or
key policy) says nothing of that design: it is no verdict (handson.verdict). The verdict itself
is still decided by the error code (verdict rule 6); these words can only take it back. A message
that names no policy type (a service or an answer of the older form) leaves the code's verdict as
it is.
"""

from __future__ import annotations

import re
from enum import StrEnum


class PolicyType(StrEnum):
    """The policy types AWS's messages name, as message keys (``policy_type.<value>``)."""

    IDENTITY = "identity"
    BOUNDARY = "boundary"
    TRUST = "trust"
    RESOURCE = "resource"
    SESSION = "session"
    SCP = "scp"
    RCP = "rcp"
    VPC_ENDPOINT = "vpc_endpoint"


# What AWS writes for each type, longest first where one contains another.
_WORDS = {
    "identity-based policy": PolicyType.IDENTITY,
    "permissions boundary": PolicyType.BOUNDARY,
    "role trust policy": PolicyType.TRUST,
    "trust policy": PolicyType.TRUST,
    "resource-based policy": PolicyType.RESOURCE,
    "session policy": PolicyType.SESSION,
    "service control policy": PolicyType.SCP,
    "resource control policy": PolicyType.RCP,
    "vpc endpoint policy": PolicyType.VPC_ENDPOINT,
}
_TYPE = "|".join(re.escape(words) for words in _WORDS)
_REASON = re.compile(
    rf"because no (?P<implicit>{_TYPE}) allows"
    rf"|(?:with|due to) an explicit deny in (?:an? |the )?(?P<explicit>{_TYPE})",
    re.IGNORECASE,
)

# The principal's own design, which the checks judge.
OWN = frozenset({PolicyType.IDENTITY, PolicyType.BOUNDARY, PolicyType.TRUST})


def denied_by(message: str) -> PolicyType | None:
    """The policy type the message says denied the call; None where it names none."""
    match = _REASON.search(message)
    if match is None:
        return None
    return _WORDS[(match["implicit"] or match["explicit"]).lower()]


def denied_outside(message: str) -> PolicyType | None:
    """The policy type outside the principal's own design that the message says denied the
    call; None where it names its own design, or nothing."""
    found = denied_by(message)
    return None if found is None or found in OWN else found


# "... is not authorized to perform: kms:GenerateDataKey on resource: ...": the action denied.
_PERFORM = re.compile(r"not authorized to perform: (?P<action>[a-z0-9-]+:[A-Za-z0-9*]+)")


def denied_key_action(message: str, action: str) -> str | None:
    """The AWS KMS action the message says was denied where the check asked for another
    service's (an upload to a bucket whose default encryption is a KMS key asks the uploader for
    ``kms:GenerateDataKey``, a read for ``kms:Decrypt``); None otherwise. The hands-on's buckets
    use S3's own keys: a KMS key is the learner's choice, which the replay leaves undecided too
    (handson.bucket_keys)."""
    match = _PERFORM.search(message)
    if match is None or not match["action"].lower().startswith("kms:"):
        return None
    return None if action.lower().startswith("kms:") else match["action"]
