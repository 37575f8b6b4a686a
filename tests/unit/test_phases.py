from __future__ import annotations

import pytest

from handson.phases import Phases


def test_phases_add_up_and_survive_failures() -> None:
    ticks = iter([0.0, 2.5, 10.0, 11.0])
    phases = Phases(clock=lambda: next(ticks))
    with phases.timing("IAM"):
        pass
    with pytest.raises(RuntimeError), phases.timing("IAM"):
        raise RuntimeError("provisioning broke")
    phases.add("checks", 4.0)
    assert phases.seconds == {"IAM": 3.5, "checks": 4.0}
    assert phases.lines() == ["IAM         3.5 s", "checks      4.0 s"]
