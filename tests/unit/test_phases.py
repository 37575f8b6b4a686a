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


def test_progress_rewrites_one_line_then_keeps_the_outcome() -> None:
    from fixtures.target import progress_line

    class Reporter:
        def __init__(self) -> None:
            self.screen: list[str] = [""]

        def rewrite(self, line: str, erase: bool = False) -> None:
            self.screen[-1] = line

        def write_line(self, line: str) -> None:
            self.screen.append(line)

    reporter = Reporter()
    say = progress_line(reporter)
    for waited in (0, 10, 20):
        say(f"waiting for i-0abc to come Online in SSM: not registered yet, {waited}s")
    say("i-0abc is Online in SSM after 30s")
    assert reporter.screen == ["i-0abc is Online in SSM after 30s", ""]
    progress_line(None)("waiting quietly")  # no terminal: nothing to do, nothing breaks
