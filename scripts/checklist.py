# -*- coding: utf-8 -*-
"""Run the checklist from a fresh clone, with nothing but Python 3.11+ (README, first lines):

    python scripts/checklist.py [pytest options]     (Windows: py scripts/checklist.py ...)

Read by any Python, 2.7 on: an older one is told so in one line (scripts/python_version.py);
the work is scripts/checklist_steps.py's. A window opened for it alone (a double-click in
Explorer) waits for Enter before it closes (scripts/own_window.py).
"""

import os
import sys


def main(argv):  # type: (list[str]) -> int
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from python_version import hand_over  # this folder's, whatever Python runs it

    return hand_over(argv, "checklist_steps")


if __name__ == "__main__":
    try:
        code = main(sys.argv[1:])
    finally:
        from own_window import hold

        hold(sys.argv[1:])
    sys.exit(code)
