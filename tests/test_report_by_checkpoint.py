"""The HTML report counts checkpoints: scripts/report.mjs merges each checkpoint's scenario rows
into one Allure result (the rows become its steps), worst status first."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers.suite_runner import ROOT

MERGE = """
import { byCheckpoint } from %s;
console.log(byCheckpoint(process.argv[2], process.argv[3]));
"""


def row(checkpoint: str, status: str, start: int, **extra: object) -> dict[str, object]:
    return {
        "uuid": f"{checkpoint}-{start}",
        "name": f"scenario of {checkpoint}",
        "status": status,
        "statusDetails": {"message": f"{status} at {start}"},
        "start": start,
        "stop": start + 1,
        "labels": [{"name": "checkpoint", "value": checkpoint}, {"name": "story", "value": "s"}],
        "steps": [{"name": "a step", "status": status}],
        "attachments": [{"name": "evidence", "source": f"{start}-attachment.txt"}],
        **extra,
    }


@pytest.fixture
def merged(tmp_path: Path) -> dict[str, dict[str, object]]:
    rows = [
        row("R6", "passed", 1, parameters=[{"name": "場所", "value": "close/"}]),
        row("R6", "failed", 2),
        row("R6", "skipped", 3),
        row("R8", "passed", 4),
        row("R8", "skipped", 5),
        row("R1", "passed", 6),
    ]
    return merge_rows(tmp_path, rows, checkpoints=3)


def merge_rows(
    tmp_path: Path, rows: list[dict[str, object]], checkpoints: int
) -> dict[str, dict[str, object]]:
    """scripts/report.mjs's byCheckpoint on these results: each checkpoint's merged result."""
    if not shutil.which("node"):
        pytest.skip("Node.js is not installed")
    results = tmp_path / "results"
    results.mkdir()
    for one in rows:
        (results / f"{one['uuid']}-result.json").write_text(json.dumps(one), "utf-8")
    (results / "x-container.json").write_text("{}", "utf-8")
    (results / "categories.json").write_text("[]", "utf-8")
    script = tmp_path / "merge.mjs"
    script.write_text(MERGE % json.dumps((ROOT / "scripts" / "report.mjs").as_uri()), "utf-8")
    out = tmp_path / "out"
    done = subprocess.run(
        ["node", str(script), str(results), str(out)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(checkpoints)
    found = [json.loads(p.read_text("utf-8")) for p in out.glob("*-result.json")]
    assert (out / "categories.json").exists() and not list(out.glob("*-container.json"))
    return {
        next(label["value"] for label in r["labels"] if label["name"] == "checkpoint"): r
        for r in found
    }


def test_one_result_per_checkpoint_worst_status_first(
    merged: dict[str, dict[str, object]],
) -> None:
    assert set(merged) == {"R1", "R6", "R8"}
    assert merged["R6"]["status"] == "failed"
    assert merged["R6"]["statusDetails"] == {"message": "failed at 2"}
    assert merged["R8"]["status"] == "skipped"  # a row not decided: the checkpoint is not decided
    assert merged["R1"]["status"] == "passed"


def test_rows_become_steps_with_their_own_evidence(merged: dict[str, dict[str, object]]) -> None:
    steps = merged["R6"]["steps"]
    assert isinstance(steps, list) and len(steps) == 3
    assert steps[0]["name"] == "scenario of R6 [close/]"
    assert [s["status"] for s in steps] == ["passed", "failed", "skipped"]
    assert steps[1]["attachments"] == [{"name": "evidence", "source": "2-attachment.txt"}]
    assert steps[1]["steps"] == [{"name": "a step", "status": "failed"}]


def test_a_watch_sessions_newest_round_counts(tmp_path: Path) -> None:
    """handson watch checks a scenario again after each save, under one historyId: the row that
    failed in one round and passed after the fix passes its checkpoint, as in the terminal and
    checkpoints.json; another row of the checkpoint stays."""
    rows = [
        row("R2", "passed", 1, historyId="upload"),
        row("R2", "failed", 5, historyId="upload"),
        row("R2", "passed", 9, historyId="upload"),
        row("R2", "passed", 2, historyId="download"),
        row("R5", "passed", 3, historyId="put"),
        row("R5", "failed", 7, historyId="put"),
    ]
    merged = merge_rows(tmp_path, rows, checkpoints=2)
    assert merged["R2"]["status"] == "passed"
    assert [step["start"] for step in merged["R2"]["steps"]] == [2, 9]  # type: ignore[attr-defined]
    assert merged["R5"]["status"] == "failed"  # the newest round failed it
