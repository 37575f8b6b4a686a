# -*- coding: utf-8 -*-
"""Everything CI checks, from a fresh clone, with nothing but Python 3.11+ (.ci/run is this):

    python scripts/check.py [--fresh] [--dry-run] [pytest options for tests/]

Read by any Python, 2.7 on: an older one is told so in one line (scripts/python_version.py);
the work is scripts/check_steps.py's.
"""

import os
import sys


def main(argv):  # type: (list[str]) -> int
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from python_version import hand_over  # this folder's, whatever Python runs it

    return hand_over(argv, "check_steps")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
