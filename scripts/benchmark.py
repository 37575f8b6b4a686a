#!/usr/bin/env python3
"""Measure what a newcomer waits for: the wall time of ``pytest features/`` on the emulator,
emulator start and teardown included, and the peak memory of the largest process it ran; for
the hands-on's own policies (every checkpoint passes) and for a learner's policies with mistakes
(``ForS32OpenGet`` without ``/*``, and ``ec2:*`` for the user), which must answer as fast.

Beside them, measured the same way (the wall time of a process, alternately with the runs, so
that a busy moment weighs on all alike), issue 20's figures: the emulator's floor
(scripts/emulator_floor.py: the emulator started as a run starts it, each backend touched once,
one AWS CLI call), the cold run's ratio to it (issue 20's target: at most 1.5; the ratio of the
medians, with each round's own ratio beside it to show how far it moves), a run attached to
an emulator already running (``--endpoint-url``), and watch mode's re-check after an edit
(``handson watch``, scripts/watch_session.py: the time from writing a policy file to the end of
what the round prints, its verdicts and tally; the same two mistakes saved and restored in turn,
the role's file and the user's apart, the slower one's median the figure; issue 20's target: at
most 1.5 s).

    python scripts/benchmark.py            # 3 runs of each, target 20 s, mistakes at most 1.2x
    python scripts/benchmark.py --runs 5 --target 20 --max-ratio 1.2
    git worktree add /tmp/before HEAD~3 && python scripts/benchmark.py --against /tmp/before

``--against DIR`` compares with another checkout instead (the same Python and packages): its
passing runs and floors alternate with this checkout's, and the median of this one's runs may be
at most ``--max-slowdown`` times the other's (exit code 1 otherwise).

Exit code 1 when the passing median is over the target, the mistakes' median is over max-ratio
times the passing one, the cold run's ratio to the floor is over ``--max-floor-ratio`` (when
given), a watch mode's re-check median is over ``--max-recheck`` (when given), the passing run,
the attached run or the floor fails, the run with mistakes does not fail, or a re-check does not
give the verdicts of the files it was given. The last lines hold each figure to its limit and
name the one that was missed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from handson.run_folder import REPORTS_VARIABLE

ROOT = Path(__file__).resolve().parent.parent


def with_mistakes(directory: Path) -> Path:
    """The seed's policies with two of a learner's mistakes."""
    directory.mkdir(parents=True, exist_ok=True)
    for source in (ROOT / "policies").glob("*.json"):
        document = json.loads(source.read_text("utf-8"))
        for statement in document["Statement"]:
            if statement.get("Sid") == "ForS32OpenGet":
                statement["Resource"] = [r.removesuffix("/*") for r in statement["Resource"]]
            if statement.get("Sid") == "ForEC2":
                statement["Action"] = ["ec2:*"]
        (directory / source.name).write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    return directory


def features_command(workdir: Path, *options: str) -> list[str]:
    """``pytest features/`` with its reports under ``workdir``."""
    return [
        sys.executable,
        "-m",
        "pytest",
        "features/",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--alluredir={workdir / 'allure-results'}",
        f"--checkpoints-json={workdir / 'checkpoints.json'}",
        *options,
    ]


class Timed(NamedTuple):
    """One process's wall time, exit code and last line, and the CPU time (user and system, on
    all cores) of it and of every process it started and waited for: the emulator and the warm
    CLI of a run. CPU time above wall time means the processes worked side by side."""

    elapsed: float
    code: int
    summary: str
    cpu: float


def one_run(workdir: Path, *options: str, root: Path = ROOT) -> Timed:
    return timed(features_command(workdir, *options), root, reports=workdir / "reports")


def floor_command(root: Path) -> list[str]:
    """This checkout's floor script, measuring the emulator of ``root``."""
    return [sys.executable, str(ROOT / "scripts" / "emulator_floor.py"), f"--checkout={root}"]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], root: Path, reports: Path | None = None) -> Timed:
    """One process started in ``root`` (Timed); a run's reports go to ``reports``, never into
    the checkout's reports/."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDSON_")}
    if reports is not None:
        env[REPORTS_VARIABLE] = str(reports)
    cpu, start = children_cpu(), time.perf_counter()
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    elapsed, cpu = time.perf_counter() - start, children_cpu() - cpu
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    return Timed(elapsed, done.returncode, summary, cpu)


@contextlib.contextmanager
def running_emulator() -> Iterator[str]:
    """An emulator of its own for the attached runs, started as scripts/with_emulator.py does."""
    from with_emulator import answers, free_port, until  # this folder's, first on sys.path

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = ["-m", "handson.targets.engine_server", "-H", "127.0.0.1", "-p", str(port)]
    server = subprocess.Popen(
        [sys.executable, *command],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        until(lambda: answers(url), bool, budget=60, what=f"the emulator at {url}")
        yield url
    finally:
        server.kill()
        server.wait()


def rechecks(edits: int) -> tuple[dict[str, list[float]], list[str]]:
    """Watch mode on a copy of the hands-on's files: each of the two mistakes (the role's file,
    the user's) saved, then the file restored, ``edits`` times; the seconds from the write to
    the round's last line, per file, and what went wrong."""
    from watch_session import WAITING, WatchSession  # this folder's

    times: dict[str, list[float]] = {"role": [], "user": []}
    wrong: list[str] = []
    with tempfile.TemporaryDirectory(prefix="handson-bench-") as tmp:
        folder = Path(tmp) / "policies"
        folder.mkdir()
        for source in (ROOT / "policies").glob("*.json"):
            (folder / source.name).write_text(source.read_text("utf-8"), "utf-8")
        mistakes = with_mistakes(Path(tmp) / "mistakes")
        with WatchSession(folder, Path(tmp)) as watch:
            watch.until(WAITING, timeout=120)
            for index in range(edits):
                for side in times:
                    name = f"handson-iam-{side}-policy.json"
                    for text, failing in (
                        ((mistakes / name).read_text("utf-8"), True),
                        ((ROOT / "policies" / name).read_text("utf-8"), False),
                    ):
                        written = watch.save(folder / name, text)
                        shown, done = watch.until(WAITING)
                        times[side].append(done - written)
                        tally = [x for x in shown.splitlines() if x.startswith("checkpoints:")]
                        if not tally or ("(failed: " in tally[0]) != failing:
                            wrong.append(f"re-check {index + 1} of the {side}'s file: {tally}")
            code = watch.stop()
        if code != 0:
            wrong.append(f"watch mode exited {code} on the hands-on's own files")
    return times, wrong


def recheck_target(watched: dict[str, list[float]], limit: float | None) -> Target:
    return Target(
        "watch-mode re-check, the slower file (issue 20: 1.5 s)",
        slower_median(watched),
        limit,
        " s",
    )


def slower_median(watched: dict[str, list[float]]) -> float:
    """The re-check's figure: the median of the file whose edits take longer (one median over
    both would fall between the two files' times and stand for neither)."""
    return max(statistics.median(measured) for measured in watched.values())


def watch_only(edits: int, max_recheck: float | None) -> int:
    watched, wrong = rechecks(edits)
    for side, measured in watched.items():
        print(summary_line(f"watch-mode re-check after an edit of the {side}'s file", measured))
    target = recheck_target(watched, max_recheck)
    print(target.line())
    said = verdict(wrong, [target])
    print(said)
    return 0 if said == "OK" else 1


def summary_line(what: str, measured: list[float]) -> str:
    return (
        f"{what}: median {statistics.median(measured):.2f} s, "
        f"min {min(measured):.2f} s, max {max(measured):.2f} s over {len(measured)} runs"
    )


def floor_ratio(cold: list[float], floor: list[float]) -> float:
    return statistics.median(cold) / statistics.median(floor)


def round_ratios(cold: list[float], floor: list[float]) -> list[float]:
    """Each round's cold run over the floor measured beside it: how far the figure moves from
    one round to the next (the target is held to the medians' ratio, floor_ratio)."""
    return [run / alone for run, alone in zip(cold, floor, strict=True)]


class Target(NamedTuple):
    """One of the figures a run of this script is held to, and its limit (None: no limit was
    asked for, the figure is only shown)."""

    what: str
    value: float
    limit: float | None
    unit: str = ""

    @property
    def missed(self) -> bool:
        return self.limit is not None and self.value > self.limit

    def line(self) -> str:
        if self.limit is None:
            return f"{self.what}: {self.value:.2f}{self.unit} (no limit asked for)"
        met = "OVER" if self.missed else "met"
        return (
            f"{self.what}: {self.value:.2f}{self.unit} (at most {self.limit:g}{self.unit}): {met}"
        )


def verdict(wrong: list[str], targets: list[Target]) -> str:
    """The last line: what went wrong, else which targets were missed, by name, else OK."""
    if wrong:
        return "FAILED: " + "; ".join(wrong)
    missed = [target.what for target in targets if target.missed]
    return "OVER TARGET: " + "; ".join(missed) if missed else "OK"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--target", type=float, default=20.0, help="seconds (default 20)")
    parser.add_argument("--max-ratio", type=float, default=1.2, help="mistakes / passing median")
    parser.add_argument("--max-floor-ratio", type=float, help="cold run / floor (issue 20: 1.5)")
    parser.add_argument("--max-recheck", type=float, help="watch re-check median, s (issue: 1.5)")
    parser.add_argument("--watch-only", action="store_true", help="only watch mode's re-checks")
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    parser.add_argument("--max-slowdown", type=float, default=1.05, help="this / other median")
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
    )
    if args.against:
        return compare(args.against.resolve(), args.runs, args.max_slowdown)
    if args.watch_only:
        return watch_only(args.runs, args.max_recheck)
    times: dict[str, list[float]] = {"passing": [], "mistakes": [], "floor": [], "attached": []}
    cpu: dict[str, list[float]] = {kind: [] for kind in times}
    wrong = []
    with running_emulator() as url:
        for index in range(1, args.runs + 1):
            for kind in times:  # alternately, so that a busy moment weighs on all alike
                with tempfile.TemporaryDirectory(prefix="handson-bench-") as tmp:
                    options = []
                    if kind == "mistakes":
                        options = [f"--policies={with_mistakes(Path(tmp) / 'policies')}"]
                    if kind == "attached":
                        options = [f"--endpoint-url={url}"]
                    if kind == "floor":
                        elapsed, code, summary, used = timed(floor_command(ROOT), ROOT)
                    else:
                        elapsed, code, summary, used = one_run(Path(tmp), *options)
                times[kind].append(elapsed)
                cpu[kind].append(used)
                if code != (1 if kind == "mistakes" else 0):
                    wrong.append(f"{kind} run {index} exited {code}")
                line = f"{kind} run {index}: {elapsed:6.2f} s  cpu {used:5.2f} s  exit {code}"
                print(f"{line}  {summary}")
    watched, wrong_rechecks = rechecks(args.runs)
    wrong += wrong_rechecks
    # ru_maxrss of children: the largest single process among everything the runs started (KiB).
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    median = statistics.median(times["passing"])
    targets = [
        Target("the passing run's median", median, args.target, " s"),
        Target("mistakes / passing", statistics.median(times["mistakes"]) / median, args.max_ratio),
        Target(
            "cold run / floor (issue 20: 1.5)",
            floor_ratio(times["passing"], times["floor"]),
            args.max_floor_ratio,
        ),
        recheck_target(watched, args.max_recheck),
    ]
    names = {
        "passing": "pytest features/ (passing, cold)",
        "mistakes": "pytest features/ (mistakes, cold)",
        "floor": "the emulator's floor (scripts/emulator_floor.py)",
        "attached": "pytest features/ attached (--endpoint-url, emulator already running)",
    }
    for kind, measured in times.items():
        print(summary_line(names[kind], measured))
    by_round = round_ratios(times["passing"], times["floor"])
    print(
        f"cold run / floor, round by round: median {statistics.median(by_round):.2f}, "
        f"min {min(by_round):.2f}, max {max(by_round):.2f} over {len(by_round)} rounds"
    )
    for kind in ("passing", "floor"):
        print(summary_line(f"CPU time of {names[kind]}, its processes on all cores", cpu[kind]))
    for side, measured in watched.items():
        print(summary_line(f"watch-mode re-check after an edit of the {side}'s file", measured))
    print(f"peak memory of the largest process: {peak_mib:.0f} MiB")
    for target in targets:
        print(target.line())
    said = verdict(wrong, targets)
    print(said)
    return 0 if said == "OK" else 1


def compare(other: Path, runs: int, max_slowdown: float) -> int:
    """Passing runs and floors of this checkout and of ``other``, alternately; this one's median
    run may be at most ``max_slowdown`` times the other's."""
    roots = {"this": ROOT, "other": other}
    times: dict[str, list[float]] = {kind: [] for kind in roots}
    floors: dict[str, list[float]] = {kind: [] for kind in roots}
    wrong = []
    for index in range(1, runs + 1):
        for kind, root in roots.items():
            with tempfile.TemporaryDirectory(prefix="handson-bench-") as tmp:
                elapsed, code, summary, _ = one_run(Path(tmp), root=root)
            times[kind].append(elapsed)
            if code != 0:
                wrong.append(f"{kind} run {index} exited {code}")
            print(f"{kind} run {index}: {elapsed:6.2f} s  exit {code}  {summary}")
        for kind, root in roots.items():
            elapsed, code, summary, _ = timed(floor_command(root), root)
            floors[kind].append(elapsed)
            if code != 0:
                wrong.append(f"{kind} floor {index} exited {code}")
            print(f"{kind} floor {index}: {elapsed:6.2f} s  exit {code}")
    medians = {kind: statistics.median(measured) for kind, measured in times.items()}
    for kind in roots:
        print(summary_line(f"pytest features/ in {roots[kind]}", times[kind]))
        print(summary_line(f"the emulator's floor of {roots[kind]}", floors[kind]))
        print(f"cold run / floor in {roots[kind]}: {floor_ratio(times[kind], floors[kind]):.2f}")
    ratio = medians["this"] / medians["other"]
    verdict = "OK" if ratio <= max_slowdown else "SLOWER"
    if wrong:
        verdict = "FAILED: " + "; ".join(wrong)
    print(f"this / other: {ratio:.3f} (at most {max_slowdown:g}): {verdict}")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
