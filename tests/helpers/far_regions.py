"""Regions far from the learner: an AWS-like layer in front of the emulator that holds EC2's
requests for the account's other regions, as regions far away or behind a slow proxy answer late
(each may take its read timeout, a minute, retried). For the tests of a Ctrl-C while the other
regions are read (handson/at_once.py)."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

from handson.console import CHILD_OUTPUT
from tests.helpers.aws_requests import signing_region, signing_service
from tests.helpers.fault_proxy import Answer, FaultProxy, Request
from tests.helpers.suite_runner import ROOT


class Interrupted(NamedTuple):
    code: int
    out: str
    err: str
    took: float  # seconds from the Ctrl-C to the end


class FarRegions(FaultProxy):
    """Forwards every request, but holds EC2's requests signed for another region than ``home``
    until the layer closes (at most two minutes): regions that answer late, far from the
    learner or behind a slow proxy. ``held`` counts those held so far."""

    def __init__(self, upstream: str, home: str) -> None:
        super().__init__(upstream, rate=0.0)
        self.home = home
        self.held = 0
        self._open = threading.Event()

    def answer(self, request: Request) -> Answer:
        region = signing_region(request)
        if signing_service(request) == "ec2" and region not in (None, self.home):
            with self._lock:
                self.held += 1
            self._open.wait(timeout=120)
        return super().answer(request)

    def ctrl_c(self, command: Sequence[str], env: dict[str, str]) -> Interrupted:
        """``command`` from the checkout, sent SIGINT (a terminal's Ctrl-C) once it reads
        another region, and waited for."""
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            encoding=CHILD_OUTPUT,
        )
        try:
            assert self._holding(process), process.communicate(timeout=60)
            process.send_signal(signal.SIGINT)
            sent = time.monotonic()
            out, err = process.communicate(timeout=100)
            return Interrupted(process.returncode, out, err, time.monotonic() - sent)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)

    def _holding(self, process: subprocess.Popen[Any], budget: float = 120) -> bool:
        """Wait until ``process`` reads another region (held), or ends; whether it does."""
        deadline = time.monotonic() + budget
        while not self.held and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        return bool(self.held)

    def close(self) -> None:
        self._open.set()
        super().close()
