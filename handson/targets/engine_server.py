"""The emulator's server: moto, deciding IAM with the suite's engine (handson.targets.moto_engine).

The suite starts it itself. To keep one running for several runs (``--endpoint-url``)::

    python -m handson.targets.engine_server -H 127.0.0.1 -p 5000

(the same on Windows, macOS and Linux: it loads AWS's managed policies itself, as
``MOTO_IAM_LOAD_MANAGED_POLICIES=true`` would). It takes moto's own server options. A plain
``moto.server`` decides IAM with moto's checks, which the suite cannot trust (README, "What the
emulator cannot decide"), and a run refuses it.
"""

from __future__ import annotations

import os
import secrets
import sys


def main(argv: list[str]) -> None:
    # The run needs AmazonSSMManagedInstanceCore; moto reads this when it builds IAM.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    from handson.targets.emulator_process import bind_alone
    from handson.targets.moto_reads import from_what_is_built, read_once, share_botocore_models

    bind_alone()  # on Windows too, a port another server holds is refused
    share_botocore_models()
    from moto.server import main as moto_main

    from handson.targets.moto_engine import install

    # Its name for itself: a run attached to it sees when another server takes its place.
    install(secrets.token_hex(8))
    read_once()  # as the run's own emulator: what moto works out again, worked out once
    from_what_is_built()  # no backend yet: moto's own routes, until the first run builds one
    moto_main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
