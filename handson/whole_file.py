"""A file written in one step: a reader finds the old text or the new, never a part."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from handson.waiting import WaitTimeout, retrying_on

# Windows refuses to replace a file that another program has open without sharing it for
# deletion: an antivirus or the search indexer reading it for a moment after it was written.
# Such a refusal is tried again for this many seconds before it is the caller's.
HELD_FOR = 2.0


def write_whole(path: Path, text: str, platform: str = sys.platform) -> None:
    """``text`` in ``path`` (UTF-8), whole or not at all: written beside it under a name of this
    process's own (two processes may write the same file), then put in its place in one step
    (``os.replace``, atomic on POSIX and Windows within a folder). On Windows, a replacement
    refused while another program holds the file is tried again (:data:`HELD_FOR`). However it
    fails, the text written beside it is removed, and the caller gets the system's error."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(text, "utf-8")
    try:
        if platform == "win32":
            what = f"replacing {path} (held by another program)"
            retrying_on(
                lambda: os.replace(partial, path), (PermissionError,), budget=HELD_FOR, what=what
            )
        else:
            os.replace(partial, path)
    except WaitTimeout as held:
        partial.unlink(missing_ok=True)
        raise held.__cause__ or held from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
