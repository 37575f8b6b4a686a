"""A replay (handson/targets/replayed.py) that reports a scenario not at all: the scenario is not
decided, saying why with the replay's own words, never passed (verdict rule: a check that did
not run is never recorded as passed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from handson import i18n
from handson.targets.replayed import ReplayRun
from tests.helpers.suite_runner import ROOT

NODE = "features/test_checkpoints.py::test_ec2から_handsons31自分の名前_バケットの削除ができない"
BEFORE = {"nodeid": NODE, "checkpoints": ["R3"], "title": "R3", "replayed": "deletes a bucket"}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_scenario_the_replay_never_reported_is_not_decided_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """The replay refuses its input in one line (a name the live run would have refused too)
    and writes no checkpoints.json: its scenario says so, in the replay's words. In Japanese on
    a Japanese Windows too, whose files a child Python writes in cp932 (PYTHONIOENCODING stands
    in for it here): the replay's line was read as UTF-8, and the live run ended in
    UnicodeDecodeError."""
    monkeypatch.setenv("PYTHONIOENCODING", "cp932")
    options = ["--name=Bad_Name", f"--lang={lang}"]
    replay = ReplayRun(ROOT, {NODE: BEFORE}, options, tmp_path / "run")
    (entry,) = replay.results()
    assert replay.exit_code == 4 and not replay.checkpoints.exists()
    assert entry["outcome"] == "skipped" and entry["decided_by"] == "replay"
    assert entry["checkpoints"] == ["R3"] and entry["replayed"] == "deletes a bucket"
    said = i18n.t("live.replay_missing", why="--name 'Bad_Name': ")
    assert entry["reason"].startswith(said), entry["reason"]
    rule = {"en": "only lowercase letters", "ja": "英小文字（a〜z）、数字"}[lang]
    assert rule in entry["reason"], entry["reason"]
    assert entry["headline"] == entry["reason"]
