"""``handson watch`` as a learner runs it, in a process of its own, for the suite's tests and the
benchmark: start it on a folder, save files into it, read what it printed and when, stop it as
Ctrl-C does.

    with WatchSession(folder, workdir) as watch:
        watch.until(WAITING)                       # the first checks are shown
        started = watch.save(path, text)           # the time of the write
        shown, at = watch.until(WAITING)           # the round's output, and when it ended
        code = watch.stop()
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

from handson.run_folder import REPORTS_VARIABLE
from handson.signals import POLITE_CHILD, stop_politely

ROOT = Path(__file__).resolve().parent.parent
# What every round ends with (en): the lines after it wait for the next save.
WAITING = "watching the policy files in"


class WatchSession:
    def __init__(
        self, folder: Path, workdir: Path, *options: str, env: dict[str, str] | None = None
    ) -> None:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("HANDSON_")}
        environment.update(
            {
                "PYTHONUNBUFFERED": "1",
                "PYTHONIOENCODING": "utf-8",
                "HANDSON_LANG": "en",
                "AWS_EC2_METADATA_DISABLED": "true",
                REPORTS_VARIABLE: str(workdir / "reports"),
                **(env or {}),
            }
        )
        self.lines: list[tuple[float, str]] = []
        self._queue: queue.Queue[tuple[float, str] | None] = queue.Queue()
        self._read = 0
        self.process = subprocess.Popen(
            [sys.executable, "-m", "handson.watch", f"--policies={folder}", *options],
            cwd=ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            encoding="utf-8",
            errors="replace",
            **POLITE_CHILD,  # Windows: Ctrl-Break reaches it (stop_politely)
        )
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put((time.perf_counter(), line.rstrip("\n")))
        self._queue.put(None)

    def until(self, text: str, timeout: float = 60) -> tuple[str, float]:
        """What it printed since the last call, up to the first line holding ``text``, and
        when that line came (``time.perf_counter``)."""
        deadline = time.monotonic() + timeout
        taken: list[str] = []
        while True:
            left = deadline - time.monotonic()
            try:
                got = self._queue.get(timeout=max(left, 0.01)) if left > 0 else None
            except queue.Empty:
                got = None
            if got is None:
                said = "\n".join(line for _, line in self.lines[-60:])
                raise AssertionError(f"no line with {text!r} in {timeout} s; last lines:\n{said}")
            self.lines.append(got)
            taken.append(got[1])
            if text in got[1]:
                return "\n".join(taken), got[0]

    @staticmethod
    def save(path: Path, text: str) -> float:
        """Write ``path`` as an editor saves it; the time of the write."""
        path.write_text(text, encoding="utf-8")
        return time.perf_counter()

    def stop(self, timeout: float = 60) -> int:
        """Ctrl-C (SIGTERM here, Ctrl-Break on Windows: both end it the same way); its exit code
        once it has torn everything down. The rest of its output is in ``lines``."""
        if self.process.poll() is None:
            stop_politely(self.process)
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=10)
        while not self._queue.empty():
            got = self._queue.get()
            if got is not None:
                self.lines.append(got)
        return code

    @property
    def output(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def __enter__(self) -> WatchSession:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.process.poll() is None:
            try:
                self.stop(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
