"""Where one run writes its reports: ``reports/runs/<run ID>/``, so that two runs in one checkout
never mix or delete each other's results; ``reports/latest`` points at the newest finished run."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest


def wants_features(config: pytest.Config) -> bool:
    """Whether this run may collect the features (then the emulator is worth starting early)."""
    features = (Path(config.rootpath) / "features").resolve()
    for arg in config.args:
        path = Path(arg.split("::")[0])
        if not path.is_absolute():
            path = Path(config.invocation_params.dir) / path
        path = path.resolve()
        if path == features or features in path.parents or path in features.parents:
            return True
    return False


@dataclass(frozen=True)
class RunFolder:
    reports: Path  # the checkout's reports/
    run_id: str

    @property
    def path(self) -> Path:
        return self.reports / "runs" / self.run_id

    @property
    def allure_results(self) -> Path:
        return self.path / "allure-results"

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints.json"

    @property
    def latest(self) -> Path:
        return self.reports / "latest"

    def point_latest(self) -> None:
        """Make ``reports/latest`` a relative link to this run's folder, replacing the old link in
        one step, so that a reader never finds it missing while another run finishes."""
        if not self.path.is_dir():
            return
        temporary = self.reports / f".latest-{self.run_id}"
        temporary.unlink(missing_ok=True)
        os.symlink(Path("runs") / self.run_id, temporary)
        os.replace(temporary, self.latest)


RUN_FOLDER = pytest.StashKey[RunFolder]()  # set for a run that checks the features
