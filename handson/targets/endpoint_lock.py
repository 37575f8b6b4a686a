"""One run at a time on an emulator the suite did not start (``--endpoint-url``).

moto's IAM checks are one switch for the whole server, and a run turns it off while it makes and
removes its admin: a second run on the same server at that moment would have its checks opened,
its verdicts made wrong and its objects deleted. So a run takes this lock before it touches the
server and keeps it until it has left; a second run stops at once with one line. The lock is an
advisory file lock on this machine, which the kernel releases even when a run is killed.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from pathlib import Path
from typing import IO

from handson.errors import SuiteUsageError
from handson.i18n import t


class EndpointLock:
    def __init__(self, endpoint_url: str, run_id: str, folder: Path | None = None) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self.run_id = run_id
        digest = hashlib.sha256(self.endpoint_url.encode()).hexdigest()[:16]
        self.path = (folder or Path(tempfile.gettempdir())) / f"handson-emulator-{digest}.lock"
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another run"
            handle.close()
            raise SuiteUsageError(
                t("endpoint.in_use", url=self.endpoint_url, holder=holder)
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"run {self.run_id} (pid {os.getpid()})")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.seek(0)
            self._file.truncate()
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
