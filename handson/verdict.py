"""Verdicts, by the rules of docs/checkpoints.md ("Verdict rules").

Only an authorization error is a denial. Everything else that is not a success is an error of the
test, which fails the check whatever it expected.

A verdict names the rule that decided it by its message key (``rule.dry_run``) and the values it
puts in; the words, in the run's language, are made only where the rule is shown (``text``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from handson.denied_by import PolicyType, denied_key_action, denied_outside
from handson.i18n import Key, has, t
from handson.transient import (
    NO_CODE,
    is_transient_code,
    is_unreadable_cli_answer,
    names_no_error,
)


class Outcome(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"
    ERROR = "error"


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    # The rule's message key; or, for a rule from outside the catalogue (a probe that got no
    # answer, IAM's policy simulator), its words as they are.
    rule: str
    code: str | None = None
    transient: bool = False  # an error that is likely to pass: the probe may be sent again
    params: tuple[tuple[str, object], ...] = ()  # what the rule's words put in

    @property
    def text(self) -> str:
        """The rule in the run's language."""
        return t(self.rule, **dict(self.params)) if has(self.rule) else self.rule


DENIAL_CODES = frozenset(
    {
        "AccessDenied",
        "UnauthorizedOperation",
        "AccessDeniedException",
        "Client.UnauthorizedOperation",
    }
)
# Codes that can only come back once authorization has passed.
AUTHORIZED_CODES = {"DryRunOperation": "rule.dry_run", "BucketNotEmpty": "rule.bucket_not_empty"}

_CLI_ERROR = re.compile(
    r"An error occurred \((?P<code>[^)]+)\) when calling the (?P<op>\w+) operation"
)

# What the learner ran: ``aws <service> <command>``, the words they type (not HeadObject, which
# the CLI calls inside ``aws s3 cp``).
_AWS_COMMAND = re.compile(r"\baws (?:--?\S+ \S+ )*[a-z0-9-]+ [a-z0-9-]+")


def denied_by_another(code: str, policy: PolicyType) -> Verdict:
    """No verdict: AWS (or its policy simulator) says ``policy``, outside the principal's own
    design, denied the call (handson.denied_by)."""
    said = (("code", code), ("policy", Key(f"policy_type.{policy}")))
    return Verdict(Outcome.ERROR, "rule.denied_outside", code, params=said)


def classify_api_error(code: str | None, message: str = "", action: str = "") -> Verdict:
    """Verdict for an API call of ``action``: ``code`` is None on success, else the error code
    AWS returned, with its ``message``: a denial it says a policy outside the principal's own
    design made (an organization's SCP, ...: handson.denied_by), or a denial of a KMS key's
    action where the check asked another's, is no verdict."""
    if code is None:
        return Verdict(Outcome.ALLOWED, "rule.call_succeeded")
    if code in AUTHORIZED_CODES:
        return Verdict(Outcome.ALLOWED, AUTHORIZED_CODES[code], code)
    if code in DENIAL_CODES:
        outside = denied_outside(message)
        if outside is not None:
            return denied_by_another(code, outside)
        key_action = denied_key_action(message, action)
        if key_action is not None:
            said = (("code", code), ("denied", key_action), ("action", action))
            return Verdict(Outcome.ERROR, "rule.denied_key_action", code, params=said)
        return Verdict(Outcome.DENIED, "rule.authorization_error", code, params=(("code", code),))
    if code in NO_CODE:  # an error that names no error: not AWS's answer
        return Verdict(
            Outcome.ERROR, "rule.not_aws_answer", code, transient=True, params=(("code", code),)
        )
    if is_transient_code(code):
        return Verdict(
            Outcome.ERROR, "rule.transient", code, transient=True, params=(("code", code),)
        )
    return Verdict(Outcome.ERROR, "rule.not_authorization", code, params=(("code", code),))


def classify_cli(exit_code: int, stderr: str, command: str = "", action: str = "") -> Verdict:
    """Verdict for an AWS CLI command run on the instance (``command``: what the learner's step
    runs, named in the rule instead of the CLI's inner calls; ``action``: what it checks)."""
    if exit_code == 0:
        return Verdict(Outcome.ALLOWED, "rule.command_succeeded")
    match = _CLI_ERROR.search(stderr)
    if match:
        code, operation = match["code"], match["op"]
        if code == "403" and operation == "HeadObject":
            ran = _AWS_COMMAND.search(command)
            said = (("command", ran[0] if ran else "aws s3"),)
            return Verdict(Outcome.DENIED, "rule.s3_403", "403", params=said)
        if names_no_error(code, operation):
            return classify_api_error("")
        return classify_api_error(code, stderr[match.end() :], action)
    if is_unreadable_cli_answer(stderr):
        said = (("code", "ResponseParserError"),)
        return Verdict(
            Outcome.ERROR, "rule.not_aws_answer", "ResponseParserError", transient=True, params=said
        )
    if "Could not connect to the endpoint URL" in stderr or "Connection was closed" in stderr:
        return Verdict(Outcome.ERROR, "rule.no_connection", "NoConnection", transient=True)
    if "Unable to locate credentials" in stderr:
        return Verdict(Outcome.ERROR, "rule.no_credentials", "NoCredentials")
    if "usage:" in stderr or exit_code in (2, 252):
        return Verdict(Outcome.ERROR, "rule.usage", "Usage")
    if exit_code in (124, 137):
        return Verdict(Outcome.ERROR, "rule.timeout", "Timeout")
    return Verdict(Outcome.ERROR, "rule.exit_code", None, params=(("exit_code", exit_code),))
