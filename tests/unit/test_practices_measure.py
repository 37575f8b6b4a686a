"""Where P1 and P2 are measured: the account and region the target reads."""

from __future__ import annotations

from typing import Any

import pytest


def test_the_lessons_measure_where_the_target_says_the_run_builds() -> None:
    """P1 and P2 are measured in the account the target's preflight read (the learner's, on AWS
    and for an environment built by hand; the emulator's offline) and in the run's region."""
    from types import SimpleNamespace
    from typing import cast

    from fixtures.practices import run_site
    from handson.environment import AS_THE_HANDS_ON, Built
    from handson.names import AUTO_TYPE, INSTANCE_TYPE
    from handson.permissions import Site
    from handson.settings import AWS_SESSION
    from handson.targets.account import Account
    from handson.targets.emulator import first_instance_id
    from handson.targets.emulator_server import DEFAULT_ACCOUNT_ID

    def settings(
        built: Built = AS_THE_HANDS_ON,
        emulator_url: str | None = None,
        instance_type: str = INSTANCE_TYPE,
    ) -> Any:
        names = SimpleNamespace(run_id="20261206-114500-abc123")
        return cast(
            Any,
            SimpleNamespace(
                region="eu-west-3",
                built=built,
                emulated=True,
                emulator_url=emulator_url,
                names=names,
                instance_type=instance_type,
            ),
        )

    mine = Account("111122223333", None, "arn:aws:iam::111122223333:user/me")

    def config(on_aws: Any = None) -> Any:
        stash = pytest.Stash()
        if on_aws is not None:
            stash[AWS_SESSION] = on_aws
        return SimpleNamespace(stash=stash)

    # The run's own emulator: the instance it will launch first (handson.targets.emulator), so that
    # a lesson names the instance the failure blocks name; an attached one: a sample instance.
    own = run_site(config(), settings())
    first = first_instance_id(settings())
    assert first is not None  # the run's own emulator: it says which instance comes first
    assert own == Site(DEFAULT_ACCOUNT_ID, "eu-west-3", first)
    attached = settings(emulator_url="http://127.0.0.1:5000")
    assert run_site(config(), attached) == Site(DEFAULT_ACCOUNT_ID, "eu-west-3")
    assert run_site(config((None, mine)), settings()) == Site("111122223333", "eu-west-3")
    built = settings(Built(account_id="111122223333", instance_id="i-0abc"))
    assert run_site(config(), built) == Site("111122223333", "eu-west-3", "i-0abc")
    without = settings(Built(account_id="111122223333"))
    assert run_site(config(), without) == Site("111122223333", "eu-west-3")
    # The instance's type: a replay's is the learner's; on AWS, where the account may choose
    # it (auto), the hands-on's.
    theirs = settings(Built(account_id="111122223333"), instance_type="t3.micro")
    assert run_site(config(), theirs).instance_type == "t3.micro"
    auto = settings(instance_type=AUTO_TYPE)
    assert run_site(config((None, mine)), auto).instance_type == INSTANCE_TYPE == "t2.micro"


def test_the_first_instance_of_the_runs_own_emulator_is_known_before_it_is_launched() -> None:
    """moto's form, the same for the same run, another for another run; a replay's is the
    learner's; a server somebody else started takes no orders (None)."""
    import re
    from types import SimpleNamespace
    from typing import cast

    from handson.environment import AS_THE_HANDS_ON, Built
    from handson.targets.emulator import first_instance_id

    def settings(run_id: str, built: Built = AS_THE_HANDS_ON, url: str | None = None) -> Any:
        names = SimpleNamespace(run_id=run_id)
        return cast(Any, SimpleNamespace(built=built, emulator_url=url, names=names))

    first = first_instance_id(settings("20261206-114500-abc123"))
    assert first is not None and re.fullmatch(r"i-[0-9a-f]{17}", first)
    assert first_instance_id(settings("20261206-114500-abc123")) == first
    assert first_instance_id(settings("20261206-114501-def456")) != first
    replay = settings("20261206-114500-abc123", Built(account_id="1" * 12, instance_id="i-0abc"))
    assert first_instance_id(replay) == "i-0abc"
    assert first_instance_id(settings("x", url="http://127.0.0.1:5000")) is None
