"""The platform check: what the code on the learner's path uses that Windows or macOS does not have.

mypy, with pyproject.toml's settings on the learner's path (LEARNERS_PATH: handson/, fixtures/,
steps/, conftest.py, the README's two commands scripts/checklist.py and scripts/check.py with the
files they hand over to) and only the error codes that such a gap produces (the others are the
type check's, ``mypy`` alone), reads typeshed's `sys.platform` conditions. It
runs once for Linux, where the suite is known to run, and once for Windows and macOS; an error that
only Windows or macOS gets is a module, function or constant that system does not have (fcntl.flock,
os.fork, os.killpg, socket.AF_UNIX, signal.SIGKILL, socket.send_fds, select.epoll, ...). Errors that
Linux gets too are about types, not platforms, and are not this check's business.

The same for the newest Python a learner may have (NEWEST_PYTHON, against pyproject.toml's
3.11): typeshed's `sys.version_info` conditions name what a Python removed (pkgutil.find_loader,
ast.Num, urllib.request.URLopener, ...), so code that uses one fails here before a learner's
newer Python does.

    python scripts/platform_check.py            # the learner's path (LEARNERS_PATH)
    python scripts/platform_check.py FILE ...   # other files

Exit 0: nothing missing; 1: something missing (listed); 2: mypy itself failed.
Not seen: code inside strings (a script written out and run), `os.name` guards (write
`sys.platform == "win32"`), and calls that exist everywhere but behave differently.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "linux"
# The code a learner's run and the README's two commands import.
LEARNERS_PATH = (
    "handson", "fixtures", "steps", "conftest.py",
    "scripts/checklist.py", "scripts/checklist_steps.py", "scripts/check.py",
    "scripts/check_steps.py", "scripts/python_version.py", "scripts/own_window.py",
)  # fmt: skip
# The error codes that a gap of a system or a Python does not produce: the type check's business.
NOT_PLATFORM_CODES = (
    "abstract", "annotation-unchecked", "arg-type", "assignment", "comparison-overlap",
    "dict-item", "empty-body", "func-returns-value", "has-type", "index", "list-item", "misc",
    "no-redef", "operator", "override", "return", "return-value", "str-bytes-safe", "type-arg",
    "type-var", "typeddict-item", "union-attr", "valid-type", "var-annotated",
)  # fmt: skip
NEWEST_PYTHON = "3.15"
# What each run is told besides the configuration: a system, or the newest Python (on Linux).
SYSTEMS = {
    "win32": ("Windows", "--platform=win32"),
    "darwin": ("macOS", "--platform=darwin"),
    f"python{NEWEST_PYTHON}": (f"Python {NEWEST_PYTHON}", f"--python-version={NEWEST_PYTHON}"),
}


def told(run: str) -> str:
    """What mypy is told for a run: the system or Python it checks for."""
    return SYSTEMS[run][1] if run in SYSTEMS else f"--platform={run}"


def command(run: str, paths: list[str], cache: Path) -> list[str]:
    """mypy for one run, with a cache of this invocation's own: a cache kept between runs
    reported a file under the path it had in an earlier run when another file of the same
    module name and content came (the tests' samples), and the run beside the tests shared it.
    The installed libraries are not read (--follow-imports=skip, where pyproject.toml's own type
    check reads them silently): what a system lacks is typeshed's standard library, which mypy
    reads whatever this says, and a library's own types are not this check's business. A run
    took 9.1 s of CPU reading them (moto, botocore, pytest, ...), 2.2 s without, four runs beside
    CI's tests."""
    return [
        sys.executable, "-m", "mypy", f"--config-file={ROOT / 'pyproject.toml'}", told(run),
        "--follow-imports=skip", f"--cache-dir={cache / run}", "--no-error-summary",
        *(f"--disable-error-code={code}" for code in NOT_PLATFORM_CODES),
        *(paths or LEARNERS_PATH),
    ]  # fmt: skip


def errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": error: " in line]


def platform_only(baseline: list[str], other: list[str]) -> list[str]:
    """The errors of `other` that the baseline does not have, in `other`'s order."""
    seen = set(baseline)
    return [line for line in other if line not in seen]


def main(paths: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="handson-platform-check-") as cache:
        return check(paths, Path(cache))


def check(paths: list[str], cache: Path) -> int:
    platforms = [BASELINE, *SYSTEMS]
    runs = {
        p: subprocess.Popen(
            command(p, paths, cache),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in platforms
    }
    found: dict[str, list[str]] = {}
    for platform, run in runs.items():
        out, err = run.communicate()
        if run.returncode not in (0, 1) or (run.returncode == 1 and not errors(out)):
            sys.stderr.write(f"mypy {told(platform)} failed ({run.returncode}):\n{out}{err}")
            return 2
        found[platform] = errors(out)
    missing = {p: platform_only(found[BASELINE], found[p]) for p in SYSTEMS}
    for platform, lines in missing.items():
        if lines:
            print(f"{SYSTEMS[platform][0]} does not have (mypy {told(platform)}):")
            print("\n".join(f"  {line}" for line in lines))
    counts = ", ".join(f"{len(missing[p])} on {name}" for p, (name, _) in SYSTEMS.items())
    print(f"platform check: {counts} (not counted, as Linux has them too: {len(found[BASELINE])})")
    return 1 if any(missing.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
