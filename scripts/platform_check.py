"""The platform check: what the code on the learner's path uses that Windows or macOS does not have.

mypy, configured in pyproject.toml ([tool.mypy]: handson/, fixtures/, steps/, conftest.py, the
README's two commands scripts/checklist.py and scripts/check.py, and only
the error codes that such a gap produces), reads typeshed's `sys.platform` conditions. It runs once
for Linux, where the suite is known to run, and once for Windows and macOS; an error that only
Windows or macOS gets is a module, function or constant that system does not have (fcntl.flock,
os.fork, os.killpg, socket.AF_UNIX, signal.SIGKILL, socket.send_fds, select.epoll, ...). Errors
that Linux gets too are about types, not platforms, and are not this check's business.

    python scripts/platform_check.py            # the learner's path, as pyproject.toml says
    python scripts/platform_check.py FILE ...   # other files

Exit 0: nothing missing; 1: something missing (listed); 2: mypy itself failed.
Not seen: code inside strings (a script written out and run), `os.name` guards (write
`sys.platform == "win32"`), and calls that exist everywhere but behave differently.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "linux"
SYSTEMS = {"win32": "Windows", "darwin": "macOS"}


def command(platform: str, paths: list[str]) -> list[str]:
    return [
        sys.executable, "-m", "mypy", f"--config-file={ROOT / 'pyproject.toml'}",
        f"--platform={platform}", f"--cache-dir={ROOT / '.mypy_cache' / platform}",
        "--no-error-summary", *paths,
    ]  # fmt: skip


def errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": error: " in line]


def platform_only(baseline: list[str], other: list[str]) -> list[str]:
    """The errors of `other` that the baseline does not have, in `other`'s order."""
    seen = set(baseline)
    return [line for line in other if line not in seen]


def main(paths: list[str]) -> int:
    platforms = [BASELINE, *SYSTEMS]
    runs = {
        p: subprocess.Popen(
            command(p, paths), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for p in platforms
    }
    found: dict[str, list[str]] = {}
    for platform, run in runs.items():
        out, err = run.communicate()
        if run.returncode not in (0, 1) or (run.returncode == 1 and not errors(out)):
            sys.stderr.write(f"mypy --platform {platform} failed ({run.returncode}):\n{out}{err}")
            return 2
        found[platform] = errors(out)
    missing = {p: platform_only(found[BASELINE], found[p]) for p in SYSTEMS}
    for platform, lines in missing.items():
        if lines:
            print(f"{SYSTEMS[platform]} does not have (mypy --platform {platform}):")
            print("\n".join(f"  {line}" for line in lines))
    counts = ", ".join(f"{len(missing[p])} on {name}" for p, name in SYSTEMS.items())
    print(f"platform check: {counts} (not counted, as Linux has them too: {len(found[BASELINE])})")
    return 1 if any(missing.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
