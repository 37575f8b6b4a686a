"""Steps every feature uses.

## Given
## Then
"""

from __future__ import annotations

from pytest_bdd import given, then

from handson.attempts import Attempt
from handson.environment import HandsonEnvironment
from handson.evidence import attach_text
from handson.i18n import t
from handson.probes import Checker, verify
from handson.verdict import Outcome


@given("ハンズオンの環境が構築されている")
def environment_is_built(handson_env: HandsonEnvironment) -> None:
    assert handson_env.instance_id


@then("どの操作も許可される")
@then("許可される")
def every_call_allowed(attempt: Attempt) -> None:
    _every_call(attempt, Outcome.ALLOWED)


@then("権限エラーで拒否される")
def every_call_denied(attempt: Attempt) -> None:
    _every_call(attempt, Outcome.DENIED)


def _every_call(attempt: Attempt, expected: Outcome) -> None:
    assert attempt.results, "no probe ran"
    for result in attempt.results:
        assert result.expected is expected, "the When step expected another outcome"
        verify(result)


@then("対象は元のまま残っている")
@then("handson-instance の状態は変わっていない")
def target_unchanged(attempt: Attempt) -> None:
    watched = attempt.watched
    assert watched is not None, "this step needs a When step that watched a target"
    after = watched.assert_unchanged()
    attach_text(
        t("evidence.unchanged", label=watched.label),
        t("evidence.before_after", before=watched.before, after=after),
    )


def attach_control(checker: Checker) -> None:
    """Show, in every scenario that relies on it, the positive control its denials stand on."""
    assert checker.control is not None, "no positive control has passed"
    attach_text(t("evidence.control"), checker.control.summary())
