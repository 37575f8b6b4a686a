"""A file written whole (handson/whole_file.py): on Windows, a replacement refused while another
program holds the file for a moment (an antivirus, the search indexer) is tried again; however it
fails, nothing of it is left beside the file, and the file keeps its old text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from handson import whole_file
from handson.whole_file import write_whole


def held(times: int) -> object:
    """os.replace as Windows answers it while another program holds the file ``times`` times."""
    real = os.replace
    refused: list[int] = []

    def replace(source: Path, target: Path) -> None:
        if len(refused) < times:
            refused.append(1)
            raise PermissionError(13, "The process cannot access the file", str(target))
        real(source, target)

    return replace


def written(
    path: Path, monkeypatch: pytest.MonkeyPatch, times: int, platform: str = "win32"
) -> BaseException | None:
    """``write_whole`` of "new" over "old" while the file is held ``times`` times; its error."""
    path.write_text("old", "utf-8")
    monkeypatch.setattr(os, "replace", held(times))
    monkeypatch.setattr(whole_file, "HELD_FOR", 0.3)
    try:
        write_whole(path, "new", platform=platform)
    except PermissionError as refused:
        return refused
    return None


def test_a_file_held_for_a_moment_on_windows_is_written_once_let_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "live-record.json"
    assert written(path, monkeypatch, 2) is None
    assert path.read_text("utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


@pytest.mark.parametrize(
    ("times", "platform"),
    [(10_000, "win32"), (1, "linux")],
    ids=["held for good on Windows", "refused once elsewhere"],
)
def test_a_refusal_is_the_caller_s_error_and_nothing_is_left_beside_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, times: int, platform: str
) -> None:
    """Held for good on Windows, or refused once on Linux and macOS, where a refused rename is
    the folder's permissions (no program lets go): the file keeps its old text."""
    path = tmp_path / "latest-run.txt"
    assert isinstance(written(path, monkeypatch, times, platform), PermissionError)
    assert path.read_text("utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
