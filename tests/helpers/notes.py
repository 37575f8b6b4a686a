"""A note that a held process writes for the test waiting on it."""

from __future__ import annotations

import os
from pathlib import Path


def write_note(path: Path, text: str) -> None:
    """``text`` in ``path``, whole or not at all: the test that waits for the file to exist and
    then signals the process never finds it created but still empty (it did once under load,
    and signalled the run before it held). ``os.replace`` is atomic on POSIX and Windows."""
    part = path.with_name(path.name + ".part")
    part.write_text(text, "utf-8")
    os.replace(part, path)
