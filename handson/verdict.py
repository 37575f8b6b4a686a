"""Verdicts, by the rules of CHECKPOINTS.md ("Verdict rules").

Only an authorization error is a denial. Everything else that is not a success is an error of the
test, which fails the check whatever it expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from handson.transient import is_transient_code


class Outcome(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"
    ERROR = "error"


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    rule: str
    code: str | None = None
    transient: bool = False  # an error that is likely to pass: the probe may be sent again


DENIAL_CODES = frozenset(
    {
        "AccessDenied",
        "UnauthorizedOperation",
        "AccessDeniedException",
        "Client.UnauthorizedOperation",
    }
)
# Codes that can only come back once authorization has passed.
AUTHORIZED_CODES = {
    "DryRunOperation": "rule 6: DryRunOperation means the request would have been allowed",
    "BucketNotEmpty": "rule 2: BucketNotEmpty comes after authorization, so the caller was allowed",
}

_CLI_ERROR = re.compile(
    r"An error occurred \((?P<code>[^)]+)\) when calling the (?P<op>\w+) operation"
)


def classify_api_error(code: str | None) -> Verdict:
    """Verdict for an API call: ``code`` is None on success, else the error code AWS returned."""
    if code is None:
        return Verdict(Outcome.ALLOWED, "rule 1: the call succeeded")
    if code in AUTHORIZED_CODES:
        return Verdict(Outcome.ALLOWED, AUTHORIZED_CODES[code], code)
    if code in DENIAL_CODES:
        return Verdict(Outcome.DENIED, "rule 1: an authorization error", code)
    if is_transient_code(code):
        return Verdict(
            Outcome.ERROR,
            f"rule 1: {code} is a transient fault (throttling or a server error), not a verdict",
            code,
            transient=True,
        )
    return Verdict(Outcome.ERROR, f"rule 1: {code} is not an authorization error", code)


def classify_cli(exit_code: int, stderr: str) -> Verdict:
    """Verdict for an AWS CLI command run on the instance."""
    if exit_code == 0:
        return Verdict(Outcome.ALLOWED, "rule 1: the command succeeded")
    match = _CLI_ERROR.search(stderr)
    if match:
        code, operation = match["code"], match["op"]
        if code == "403" and operation == "HeadObject":
            return Verdict(
                Outcome.DENIED, "rule 1: the S3 CLI's (403) Forbidden on HeadObject", "403"
            )
        return classify_api_error(code)
    if "Could not connect to the endpoint URL" in stderr or "Connection was closed" in stderr:
        return Verdict(
            Outcome.ERROR, "the CLI could not reach the endpoint", "NoConnection", transient=True
        )
    if "Unable to locate credentials" in stderr:
        return Verdict(Outcome.ERROR, "the instance has no credentials", "NoCredentials")
    if "usage:" in stderr or exit_code in (2, 252):
        return Verdict(Outcome.ERROR, "the command was not understood (CLI usage error)", "Usage")
    if exit_code in (124, 137):
        return Verdict(Outcome.ERROR, "the command timed out", "Timeout")
    return Verdict(Outcome.ERROR, f"exit code {exit_code} without an authorization error", None)
