"""``os.access`` as Windows answers it: from the read-only attribute only, which a folder does not
have, never from permissions. In a run of the suite with ``-p tests.helpers.windows_like``; in the
tests' own process with ``tests.helpers.refusing``."""

from __future__ import annotations

import os
from typing import Any


def windows_access(path: Any, mode: int, *args: Any, **kwargs: Any) -> bool:
    """Yes for anything that exists: a folder is never read-only on Windows, and the suite's
    refusals are made with permissions or ``chattr +i``, not the read-only attribute."""
    return os.path.exists(path)
