"""Python's cycle collector, set for the suite's processes: every one of them (a run, the
emulator's server, the instance's AWS CLI, the ``handson`` commands, the suite's own tests)
imports the ``handson`` package first, which calls :func:`fewer_collections`.

Python collects its youngest objects each time 700 more have been made than freed (2,000 from
Python 3.14). A run makes objects by the hundred thousand (botocore's models and each call's
request and answer, pytest's items, moto's answers) and keeps most of them to its end, so that
nearly every one of those collections found nothing to free: measured on 2026-12-06, a run of the
features attached to an emulator made 335 collections, 0.23 s of its 2 s of CPU; with the
youngest collected after 10,000, 22 collections, 0.07 s, and its peak memory the same (114 MiB).
The instance's AWS CLI spent 0.15 s of its 0.63 s start on them, 0.08 s after. What lives as
long as the process is set aside as before (``gc.freeze`` in each), and cycles are still freed,
only later.
"""

from __future__ import annotations

import gc

YOUNGEST = 10_000  # objects made (less those freed) before the youngest are collected


def fewer_collections() -> None:
    """Collect the youngest objects after :data:`YOUNGEST`, not Python's default; the older
    generations as Python sets them. A higher setting made by the process is kept."""
    youngest, *older = gc.get_threshold()
    gc.set_threshold(max(youngest, YOUNGEST), *older)
