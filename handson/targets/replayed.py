"""What ``--live`` does not probe on the learner's account is decided by the replay: a second run
of those scenarios only, with ``--target existing`` (read-only, on the embedded emulator), side by
side with the live checks. Its verdicts join the live run's, each saying it came from the replay
and why; its allure results go into the same folder.

Not probed live: a scenario whose probe could delete or overwrite the learner's work (deleting a
bucket that may be empty), and the user's scenarios when ``--live`` has no user credentials.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from handson.console import CHILD_OUTPUT, child_environment
from handson.findings import UNDECIDABLE, Finding
from handson.i18n import t
from handson.report import why_it_stopped
from handson.signals import POLITE_CHILD, stop_politely


class ReplayRun:
    """The replay of some scenarios, in the background from the moment it is started."""

    def __init__(
        self, root: Path, wanted: dict[str, dict[str, Any]], options: list[str], folder: Path
    ) -> None:
        self.wanted = wanted  # nodeid -> its entry before it runs, with why it is replayed
        self.folder = folder
        self.checkpoints = folder / "replayed-checkpoints.json"
        self.output = folder / "replay-output.txt"
        self.exit_code: int | None = None
        command = [
            sys.executable,
            "-m",
            "pytest",
            *wanted,
            "-p",
            "no:cacheprovider",
            "--target=existing",
            f"--checkpoints-json={self.checkpoints}",
            *options,
        ]
        # The options say everything: none of the live run's settings may turn this one live.
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("HANDSON_LIVE", "HANDSON_USER_PROFILE", "HANDSON_TEMPORARY_USER_KEY")
        }
        self._command, self._env, self._root = command, child_environment(env), root
        self._thread = threading.Thread(target=self._run, name="replay", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.output.open("wb") as out:  # the child writes it, in CHILD_OUTPUT
            self._process = subprocess.Popen(
                self._command,
                cwd=self._root,
                env=self._env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                **POLITE_CHILD,
            )
            self.exit_code = self._process.wait()

    def stop(self) -> None:
        """The live run was interrupted: so is its replay (which tears down its own emulator)."""
        process = getattr(self, "_process", None)
        if process is not None and process.poll() is None:
            stop_politely(process)
        self._thread.join(timeout=120)

    def results(self) -> list[dict[str, Any]]:
        """Each replayed scenario's entry, saying where it was decided and why; a scenario the
        replay did not report is not decided, with the replay's last line as the reason."""
        self._thread.join()
        found: dict[str, dict[str, Any]] = {}
        if self.checkpoints.exists():
            document = json.loads(self.checkpoints.read_text("utf-8"))
            found = {e["nodeid"]: e for e in document.get("checkpoints", [])}
        entries = []
        for nodeid, before in self.wanted.items():
            entry = found.get(nodeid)
            if entry is None:
                reason = t("live.replay_missing", why=self._last_line())
                # Not decided, saying why (not "not run": nothing would say the replay failed).
                found_nothing = Finding(UNDECIDABLE, reason).as_dict()
                entry = {**before, "outcome": "skipped", "reason": reason, **found_nothing}
            entries.append({**entry, "decided_by": "replay", "replayed": before["replayed"]})
        return entries

    def _last_line(self) -> str:
        said = self.output.read_text(CHILD_OUTPUT, "replace") if self.output.exists() else ""
        return why_it_stopped(said) or f"exit code {self.exit_code}"
