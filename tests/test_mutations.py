"""The suite catches broken designs: each altered policy set fails the run, in the scenario that
names the broken checkpoint and in no other; the unaltered seed policies pass."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from handson.names import RunNames, default_name
from handson.policies import SEED_DIR
from handson.targets.emulator import MotoEmulator
from tests.conftest import EmulatorPool
from tests.estate import left_behind
from tests.mutations import MUTATIONS, Mutation
from tests.suite_runner import SuiteRun, run_suite

pytestmark = pytest.mark.slow
SEED = "seed"


@pytest.fixture(scope="module")
def runs(
    emulator_pool: EmulatorPool, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, SuiteRun]:
    """Every policy set's run, side by side on the tests' emulators. After each run, the tests
    look for anything the run left there."""
    base = tmp_path_factory.mktemp("mutations")

    def run(emulator: MotoEmulator, mutation: Mutation | None) -> tuple[str, SuiteRun]:
        label = mutation.name if mutation else SEED
        workdir = base / label
        if mutation:
            policies = mutation.write(workdir / "policies")
        else:
            policies = Path(shutil.copytree(SEED_DIR, workdir / "policies"))
        names = RunNames(default_name())
        done = run_suite(
            workdir,
            f"--policies={policies}",
            f"--name={names.suffix}",
            f"--endpoint-url={emulator.endpoint_url}",
        )
        done.leftovers = left_behind(emulator.admin, names.suffix)
        return label, done

    return dict(emulator_pool.map(run, [None, *MUTATIONS]))


def test_there_are_at_least_eight_broken_designs() -> None:
    assert len(MUTATIONS) >= 8
    assert len({m.name for m in MUTATIONS}) == len(MUTATIONS)


def test_seed_policies_pass(runs: dict[str, SuiteRun]) -> None:
    run = runs[SEED]
    assert run.exit_code == 0, run.describe()
    assert run.failed == set(), run.describe()
    assert run.leftovers == []
    every = {f"U{i}" for i in range(1, 6)} | {f"R{i}" for i in range(1, 9)}
    decided = {c for entry in run.checkpoints for c in entry["checkpoints"]}
    assert decided == every
    # Only the declared emulator gaps may skip, and each says so.
    skipped = [e for e in run.checkpoints if e["outcome"] == "skipped"]
    assert {c for e in skipped for c in e["checkpoints"]} == {"R1", "R8"}
    assert all(e["category"] == "not decidable on the emulator" for e in skipped), skipped
    assert all(e["headline"].startswith("emulator gap: ") for e in skipped), skipped


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_broken_design_fails_in_its_checkpoint(
    mutation: Mutation, runs: dict[str, SuiteRun]
) -> None:
    run = runs[mutation.name]
    assert run.exit_code == 1, f"{mutation.why}: the run should fail\n{run.describe()}"
    assert run.failed == set(mutation.fails), (
        f"{mutation.why}: expected failures in {sorted(mutation.fails)}, "
        f"got {sorted(run.failed)}\n{run.describe()}"
    )
    assert run.leftovers == [], "a failing run must still leave nothing behind"
