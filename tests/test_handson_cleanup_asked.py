"""``handson cleanup --delete`` looks again after the yes: what changed while the prompt
waited (a file put in a bucket, the policy attached to one more user) deletes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from handson import cleanup
from handson.targets.emulator_server import MotoEmulator
from scripts.hand_built import NAME, HandBuilt
from tests.helpers.estate import snapshot
from tests.test_handson_cleanup import ACCOUNT, asked_to_delete

pytestmark = pytest.mark.slow

CHANGES = {
    "a file put in bucket 2": lambda by_hand: by_hand.s3.put_object(
        Bucket=f"handson-s3-2-{NAME}", Key="new.txt", Body=b"put while asked"
    ),
    "the user policy attached to another user": lambda by_hand: (
        by_hand.iam.create_user(UserName="classmate"),
        by_hand.undo.append(lambda: by_hand.iam.delete_user(UserName="classmate")),
        by_hand.iam.attach_user_policy(
            UserName="classmate",
            PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/handson-iam-user-policy",
        ),
        by_hand.undo.append(
            lambda: by_hand.iam.detach_user_policy(
                UserName="classmate",
                PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/handson-iam-user-policy",
            )
        ),
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_what_changed_while_the_yes_was_asked_deletes_nothing(
    change: str,
    by_hand: HandBuilt,
    test_emulator: MotoEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Listed, then changed while the prompt waited: the yes was to the listing, not to what
    the account holds now (the same state at the listing would have been refused or listed
    otherwise). One line, exit 3, and nothing deleted."""
    by_hand.build(instances=0)
    asked: list[dict[str, Any]] = []

    def changed_then_yes(question: str) -> str:
        CHANGES[change](by_hand)
        asked.append(snapshot(test_emulator.admin))
        return "yes"

    code = asked_to_delete(test_emulator, monkeypatch, changed_then_yes, f"--name={NAME}")
    out = capsys.readouterr().out
    assert code == cleanup.REFUSED_EXIT, out
    said = [line for line in out.splitlines() if "the account changed after the listing" in line]
    assert len(said) == 1 and "nothing deleted" in said[0], out
    assert "deleted: " not in out
    assert len(asked) == 1 and snapshot(test_emulator.admin) == asked[0]
