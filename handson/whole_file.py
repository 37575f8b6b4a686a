"""A file written in one step: a reader finds the old text or the new, never a part."""

from __future__ import annotations

import os
from pathlib import Path


def write_whole(path: Path, text: str) -> None:
    """``text`` in ``path`` (UTF-8), whole or not at all: written beside it under a name of this
    process's own (two processes may write the same file), then put in its place in one step
    (``os.replace``, atomic on POSIX and Windows within a folder)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(text, "utf-8")
    os.replace(partial, path)
