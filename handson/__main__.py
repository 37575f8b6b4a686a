"""``python -m handson <word>``: the same as ``handson <word>``, for a Python whose scripts
folder is not on the PATH (pip's "installed in '...\\Scripts' which is not on PATH"), or run by
its path (``.venv/bin/python -m handson watch``)."""

import sys

from handson.cli import main

sys.exit(main())
