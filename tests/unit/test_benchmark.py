"""scripts/benchmark.py's last lines: which target was missed, by name, and how far the cold
run's ratio to the floor moves from round to round."""

from __future__ import annotations

import pytest

from scripts.benchmark import Target, floor_ratio, recheck_target, round_ratios, verdict


def test_a_missed_target_is_named_and_a_met_one_is_not() -> None:
    targets = [
        Target("the passing run's median", 2.0, 20.0, " s"),
        Target("mistakes / passing", 0.95, 1.2),
        Target("cold run / floor (issue 20: 1.5)", 1.63, 1.5),
    ]
    assert verdict([], targets) == "OVER TARGET: cold run / floor (issue 20: 1.5)"
    assert [t.line().rsplit(": ", 1)[1] for t in targets] == ["met", "met", "OVER"]
    assert targets[2].line() == "cold run / floor (issue 20: 1.5): 1.63 (at most 1.5): OVER"


def test_every_target_met_is_ok_and_a_figure_without_a_limit_is_never_over() -> None:
    shown = Target("cold run / floor (issue 20: 1.5)", 9.0, None)
    assert verdict([], [Target("mistakes / passing", 1.2, 1.2), shown]) == "OK"
    assert shown.line() == "cold run / floor (issue 20: 1.5): 9.00 (no limit asked for)"


def test_what_went_wrong_comes_before_any_target() -> None:
    over = Target("the passing run's median", 30.0, 20.0, " s")
    said = verdict(["floor run 2 exited 1", "mistakes run 1 exited 0"], [over])
    assert said == "FAILED: floor run 2 exited 1; mistakes run 1 exited 0"


def test_the_ratio_is_of_the_medians_and_each_round_is_its_own_pair() -> None:
    cold, floor = [2.0, 2.4, 1.8], [1.0, 1.6, 1.2]
    assert floor_ratio(cold, floor) == pytest.approx(2.0 / 1.2)
    assert round_ratios(cold, floor) == pytest.approx([2.0, 1.5, 1.5])
    with pytest.raises(ValueError):
        round_ratios(cold, floor[:2])  # a round without its floor is no pair


def test_the_recheck_is_the_slower_files_median() -> None:
    target = recheck_target({"role": [0.5, 0.6, 0.7], "user": [0.2, 0.3, 0.2]}, 0.55)
    assert (target.value, target.missed) == (0.6, True)
