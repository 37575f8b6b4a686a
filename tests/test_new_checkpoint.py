"""A checkpoint is added in one place: a throwaway X10 of a new family, in a copy of the
catalogue (``HANDSON_CHECKPOINTS``) and a feature file of its own, is collected, marked, written to
checkpoints.json and tallied, with nothing else of the suite changed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from handson.catalogue import DEFAULT_FILE, ENV_VAR
from tests.helpers.suite_runner import ROOT

FEATURE = """# language: ja
@extra
機能: 使い捨てのチェックポイント

  @X10
  シナリオ: 使い捨てのチェックポイントが数えられる
    前提 何もしない
"""

STEPS = """from pytest_bdd import given, scenarios

scenarios({feature!r})


@given("何もしない")
def nothing() -> None:
    pass
"""


def _catalogue_with_x10(folder: Path) -> Path:
    data = json.loads(DEFAULT_FILE.read_text("utf-8"))
    data["families"]["X"] = {
        "as": "admin",
        "marker": "extra",
        "title": {"ja": "使い捨て", "en": "throwaway"},
        "how": "nothing at all",
    }
    data["checkpoints"].append(
        {
            "id": "X10",
            "family": "X",
            "sentence": "使い捨てのチェックポイントが数えられる",
            "title": {"ja": "使い捨てのX10", "en": "the throwaway X10"},
            "as": "admin",
            "how": "a step that does nothing",
            "expected": "allowed",
            "severity": "minor",
            "docs": [],
        }
    )
    path = folder / "checkpoints.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


def _run(folder: Path, catalogue: Path | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    env["HANDSON_LANG"] = "en"
    if catalogue is not None:
        env[ENV_VAR] = str(catalogue)
    command = [sys.executable, "-m", "pytest", "-p", "conftest", "--rootdir", str(ROOT)]
    command += ["-c", str(ROOT / "pytest.ini"), "-p", "no:cacheprovider", *args]
    command += [str(folder / "test_x10.py")]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_checkpoint_added_to_the_catalogue_is_collected_marked_reported_and_tallied(
    tmp_path: Path,
) -> None:
    feature = tmp_path / "x10.feature"
    feature.write_text(FEATURE, "utf-8")
    (tmp_path / "test_x10.py").write_text(STEPS.format(feature=str(feature)), "utf-8")
    catalogue = _catalogue_with_x10(tmp_path)
    written = tmp_path / "out" / "checkpoints.json"

    # Without it in the catalogue, its tags are unknown markers (--strict-markers).
    refused = _run(tmp_path, None, "--checkpoints-json", str(written))
    assert refused.returncode != 0
    assert re.search(r"'(X10|extra)' not found in `markers`", refused.stdout + refused.stderr)
    assert not written.exists()

    # Registered as markers: the checkpoint and its family's tag.
    shown = _run(tmp_path, catalogue, "--markers")
    assert "@pytest.mark.X10: checkpoint X10 (the throwaway X10)" in shown.stdout
    assert "@pytest.mark.extra:" in shown.stdout

    # Selected by its marker, run, written and tallied.
    run = _run(tmp_path, catalogue, "-m", "X10 and extra", "--checkpoints-json", str(written))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout
    entries = json.loads(written.read_text("utf-8"))["checkpoints"]
    assert [(e["checkpoints"], e["title"], e["outcome"]) for e in entries] == [
        (["X10"], "使い捨てのチェックポイントが数えられる", "passed")
    ]
    matrix_row = next(line for line in run.stdout.splitlines() if line.startswith("X10 "))
    assert "the throwaway X10" in matrix_row and "as expected" in matrix_row
    assert "checkpoints: 1 passed, 0 failed, 0 not decided" in run.stdout
