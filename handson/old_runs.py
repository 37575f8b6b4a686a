"""The reports of old runs, removed so that a learner who runs the suite again and again does not
fill the laptop (about 0.8 MB and 130 files a run, 13 MB more with an HTML report): after a run,
``reports/runs/`` keeps the newest ``--keep-reports`` finished runs (20 unless told; 0 keeps all).

Only what the suite can show is its own, finished and nobody else's is removed:

- a folder directly in ``reports/runs/`` (not a link) named as a run ID;
- finished: its ``checkpoints.json`` is there (a run writes it last) and names that run, so a run
  still going (a watch session of hours) is never touched;
- holding nothing but what a run and ``npm run report`` write there. A file of the learner's own,
  or a ``--target aws`` run's ``live-record.json`` (``handson sweep --record`` reads it), keeps
  its folder.

The run itself, and the run ``reports/latest-run.txt`` names, are never removed. A folder is
first renamed out of the way in one step (``.removing-<run ID>``), so that two runs finishing at
once never both remove it, and a folder that the system will not rename (a file in it open, on
Windows) stays as it is. What an interrupted removal left is removed by the next run.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from handson.names import is_run_id
from handson.run_folder import latest_run

DEFAULT_KEPT = 20
# What a run writes into its folder, and what ``npm run report`` adds beside it.
SUITE_WRITES = frozenset(
    {
        "allure-results",
        "checkpoints.json",
        "discovered",  # --target existing: the replay of what the run found
        "allure-report",  # npm run report: the report, and the results it made it from
        "allure-report-results",
        "allure-report-single-file",
        "allure-report-single-file-results",
    }
)
REMOVING = ".removing-"


def removable(folder: Path) -> bool:
    """A finished run's folder, as only the suite writes it."""
    if folder.is_symlink() or not folder.is_dir() or not is_run_id(folder.name):
        return False
    try:
        if any(entry.name not in SUITE_WRITES for entry in folder.iterdir()):
            return False
        document = json.loads((folder / "checkpoints.json").read_text("utf-8"))
    except (OSError, ValueError):  # missing (not finished), unreadable, or not the suite's JSON
        return False
    return isinstance(document, dict) and document.get("run") == folder.name


def remove_old_runs(reports: Path, keep: int, current: str) -> int:
    """Remove the finished runs' folders beyond the newest ``keep``; how many were removed."""
    runs = reports / "runs"
    if keep <= 0 or not runs.is_dir():
        return 0
    for left in runs.glob(REMOVING + "*"):  # an earlier removal that was cut off
        shutil.rmtree(left, ignore_errors=True)
    spared = {current, latest_run(reports)}
    # Run IDs begin with the time they started (UTC): by name is newest first, reversed.
    named = sorted((p for p in runs.iterdir() if is_run_id(p.name)), reverse=True)
    finished = [p for p in named if p.name in spared or removable(p)]
    removed = 0
    for folder in finished[keep:]:
        if folder.name not in spared and _remove(folder):
            removed += 1
    return removed


def _remove(folder: Path) -> bool:
    moved = folder.with_name(REMOVING + folder.name)
    try:
        folder.rename(moved)  # one step: fails if another run took it, or a file in it is open
    except OSError:
        return False
    shutil.rmtree(moved, ignore_errors=True)
    return True
