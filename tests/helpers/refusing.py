"""A folder or file that this process truly cannot write to, made by the system's own means.

Root writes through permissions, so for root the path is made immutable (``chattr +i``, which
root too must undo first); anyone else loses the write permission. ``os.access`` is made to
answer as it does on Windows (from the read-only attribute only, which a folder does not have):
the suite must find the refusal without it, as it must on Windows.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.windows_access import windows_access


@contextlib.contextmanager
def refusing_writes(path: Path) -> Iterator[None]:
    """``path`` refuses writes inside the block; ``os.access`` says it can be written."""
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if as_root:
        chattr = shutil.which("chattr")
        made = chattr and subprocess.run([chattr, "+i", str(path)], capture_output=True)
        if not chattr or not made or made.returncode:
            pytest.skip("running as root where chattr +i cannot refuse writes: no refusal to test")
        undo = [chattr, "-i", str(path)]
    else:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        with pytest.MonkeyPatch.context() as windows_like:
            windows_like.setattr(os, "access", windows_access)
            yield
    finally:
        if as_root:
            subprocess.run(undo, check=True)
        else:
            path.chmod(mode)
