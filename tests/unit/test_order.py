"""One deletion order for the teardown and the sweeper, and it keeps AWS's dependencies."""

from __future__ import annotations

import ast
from functools import partial
from pathlib import Path

import pytest

from handson.lifecycle import sweeper
from handson.lifecycle.cleanup import Cleanup
from handson.lifecycle.order import DEPENDENCIES, STAGE_OF, Kind, Stage, sweep_key


@pytest.mark.parametrize(
    ("first", "after", "why"), DEPENDENCIES, ids=[f"{a.name}<{b.name}" for a, b, _ in DEPENDENCIES]
)
def test_nothing_goes_before_what_holds_it(first: Stage, after: Stage, why: str) -> None:
    assert first < after, why


def test_access_goes_first_and_the_record_last() -> None:
    assert min(Stage) is Stage.CREDENTIALS
    assert max(Stage) is Stage.RECORD


def test_every_kind_has_a_stage() -> None:
    assert set(STAGE_OF) == set(Kind)


def _kinds_the_sweeper_finds() -> list[ast.expr]:
    """The first argument of every ``self._found(...)`` in the sweeper."""
    tree = ast.parse(Path(sweeper.__file__).read_text("utf-8"))
    return [
        node.args[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "_found"
        and node.args
    ]


def test_every_kind_the_sweeper_can_find_has_a_stage() -> None:
    found = _kinds_the_sweeper_finds()
    assert len(found) >= len(Kind)
    names = set()
    for kind in found:
        assert isinstance(kind, ast.Attribute), ast.unparse(kind)
        assert isinstance(kind.value, ast.Name) and kind.value.id == "Kind", ast.unparse(kind)
        names.add(kind.attr)
    assert names == {k.name for k in Kind}


def test_the_sweeper_keeps_the_teardowns_order() -> None:
    """A swept resource goes whole (its keys, attachments and profile roles with it), so its own
    stage is enough: the instance before its group and profile, the profile before the role."""
    assert sorted(Kind, key=lambda kind: sweep_key(kind, "")) == [
        Kind.POLICY,
        Kind.INSTANCE,
        Kind.GROUP,
        Kind.PROFILE,
        Kind.ROLE,
        Kind.BUCKET,
        Kind.USER,
        Kind.RECORD,
    ]
    assert sweep_key(Kind.BUCKET, "a") < sweep_key(Kind.BUCKET, "b")


def test_the_teardown_runs_by_stage() -> None:
    calls: list[Stage] = []
    cleanup = Cleanup()
    for stage in sorted(Stage, reverse=True):
        cleanup.register(stage.name, partial(calls.append, stage), stage)
    assert cleanup.run() == []
    assert calls == sorted(Stage)
