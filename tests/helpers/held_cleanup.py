"""``handson cleanup`` that holds before its Nth removal, for a test to kill it there (SIGKILL:
no handler, no ``finally`` of the clean-up runs).

    python -m tests.helpers.held_cleanup NOTE N -- <handson cleanup's options>

Before the Nth removal it writes NOTE (``holding before <kind> <name>``) and sleeps until it is
killed (at most five minutes)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from handson import cleanup, cleanup_plan
from handson.whole_file import write_whole


def main(argv: list[str]) -> int:
    note, stop_at, separator, *options = argv
    assert separator == "--", argv
    removals = 0
    remover = cleanup_plan._remover

    def held(item: cleanup_plan.Item, *clients: Any) -> Any:
        remove = remover(item, *clients)

        def counted() -> None:
            nonlocal removals
            removals += 1
            if removals == int(stop_at):
                write_whole(Path(note), f"holding before {item.name}\n")
                time.sleep(300)
            remove()

        return counted

    cleanup_plan._remover = held  # type: ignore[assignment]
    return cleanup.main(options)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
