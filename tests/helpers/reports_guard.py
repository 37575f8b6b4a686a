"""The checkout's reports/ belongs to the learner: the suite's own tests write their runs under a
temporary folder (HANDSON_REPORTS, set for the session by tests/conftest.py) and leave reports/
as they found it, its ``latest`` still naming the learner's last run. A snapshot before the
session and one after say what changed."""

from __future__ import annotations

import os
from pathlib import Path

# What a later look can tell apart: a file's size and time, a link's target, a folder's being.
Entry = tuple[str, int, int, str]


def snapshot(folder: Path) -> dict[str, Entry]:
    """Every entry under ``folder``, by path relative to it (links are not followed)."""
    found: dict[str, Entry] = {}
    for top, folders, files in os.walk(folder):
        for name in [*folders, *files]:
            path = Path(top, name)
            where = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[where] = ("link", 0, 0, os.readlink(path))
            elif path.is_dir():
                found[where] = ("folder", 0, 0, "")
            else:
                status = path.stat()
                found[where] = ("file", status.st_size, status.st_mtime_ns, "")
    return found


def changes(before: dict[str, Entry], after: dict[str, Entry]) -> list[str]:
    """What differs, one phrase a path: added, removed or changed."""
    return [
        f"{'added' if path not in before else 'removed' if path not in after else 'changed'} {path}"
        for path in sorted(before.keys() | after.keys())
        if before.get(path) != after.get(path)
    ]


def verdict(folder: Path, before: dict[str, Entry], shown: int = 5) -> str | None:
    """One line naming what the tests changed under ``folder``, or None."""
    changed = changes(before, snapshot(folder))
    if not changed:
        return None
    more = f" and {len(changed) - shown} more" if len(changed) > shown else ""
    return (
        f"the tests changed the learner's reports folder {folder} (a run of theirs must write "
        f"under HANDSON_REPORTS): {', '.join(changed[:shown])}{more}"
    )
