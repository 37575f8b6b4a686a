#!/usr/bin/env python3
"""Whether a learner's ``pip install -r requirements.txt`` finds a wheel for every package, on
each system and Python a learner may have: without one, pip builds the package from source, which
needs a compiler (Rust for some) that a learner's laptop does not have.

    python scripts/wheel_check.py                 # every system and Python below, 4 at a time
    python scripts/wheel_check.py --python 3.15 --system windows-x64

For each cell, ``pip download --only-binary=:all:`` resolves requirements.txt and
requirements-engine.txt as pip itself would for that Python and system (pip's resolver, its
reading of Requires-Python), from the package index this machine's pip is configured with. pip
reads the environment markers of that system's dependencies from this machine, except the
Python version, so what a dependency needs on that system alone (``pywin32`` for ``docker`` on
Windows, ``colorama`` for ``pytest``) is looked up here from the wheels' metadata, with the
markers read for that system, and downloaded the same way.

Needs the package index (not the internet otherwise), and answers for the index as it is today:
an unpinned dependency's new release can change a cell. Exit code 1 when a cell fails that is not
in KNOWN_GAPS, or when a known gap no longer fails (then remove it from the list).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYTHONS = ("3.11", "3.12", "3.13", "3.14", "3.15")


@dataclass(frozen=True)
class System:
    name: str
    platforms: tuple[str, ...]  # pip's --platform tags
    markers: dict[str, str]  # what the system's Python says for the environment markers


SYSTEMS = (
    System(
        "windows-x64",
        ("win_amd64",),
        {
            "sys_platform": "win32",
            "platform_system": "Windows",
            "os_name": "nt",
            "platform_machine": "AMD64",
        },
    ),
    System(
        "windows-arm64",
        ("win_arm64",),
        {
            "sys_platform": "win32",
            "platform_system": "Windows",
            "os_name": "nt",
            "platform_machine": "ARM64",
        },
    ),
    System(
        "macos-arm64",
        ("macosx_11_0_arm64",),
        {
            "sys_platform": "darwin",
            "platform_system": "Darwin",
            "os_name": "posix",
            "platform_machine": "arm64",
        },
    ),
    System(
        "macos-x64",
        ("macosx_10_15_x86_64", "macosx_11_0_x86_64", "macosx_12_0_x86_64"),
        {
            "sys_platform": "darwin",
            "platform_system": "Darwin",
            "os_name": "posix",
            "platform_machine": "x86_64",
        },
    ),
    System(
        "linux-x64",
        ("manylinux_2_17_x86_64", "manylinux_2_28_x86_64", "manylinux2014_x86_64"),
        {
            "sys_platform": "linux",
            "platform_system": "Linux",
            "os_name": "posix",
            "platform_machine": "x86_64",
        },
    ),
)
# Cells known to fail, with why (checked on 2026-12-05): a failing cell outside this list, or one
# of these passing, ends the script with exit code 1.
KNOWN_GAPS = {
    ("windows-arm64", "3.11"): "PyYAML (awscli's, moto's) has no wheel for Windows on Arm with "
    "Python 3.11: pip builds it from source",
}


@dataclass(frozen=True)
class Cell:
    system: System
    python: str
    missing: str | None  # pip's words for what it found no wheel of; None: every wheel found


def requirement_files(root: Path, folder: Path) -> list[tuple[Path, bool]]:
    """requirements.txt without the project's own line (``-e .``, nothing to download) and
    requirements-engine.txt, with whether pip installs it without dependencies."""
    own = folder / "requirements.txt"
    lines = (root / "requirements.txt").read_text("utf-8").splitlines()
    own.write_text("\n".join(line for line in lines if not line.startswith("-e")), "utf-8")
    return [(own, False), (root / "requirements-engine.txt", True)]


def pip_download(args: Iterable[str], system: System, python: str, into: Path) -> str | None:
    """``pip download`` of wheels only, for that system and Python: None, or pip's reason."""
    platforms = [arg for tag in system.platforms for arg in ("--platform", tag)]
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
        "--only-binary=:all:", *platforms, "--python-version", python, "--implementation", "cp",
        "-d", str(into), *args,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, encoding="utf-8")
    if done.returncode == 0:
        return None
    found = [line for line in done.stderr.splitlines() if "No matching distribution" in line]
    said = found or done.stderr.strip().splitlines()[-1:] or [f"pip exited {done.returncode}"]
    return said[0].removeprefix("ERROR: ")


def wanted_extras(files: Iterable[Path]) -> dict[str, set[str]]:
    """The extras the requirement files ask for, by project (``moto[server]``)."""
    extras: dict[str, set[str]] = {}
    for path in files:
        for line in path.read_text("utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-"):
                requirement = Requirement(line)
                name = canonicalize_name(requirement.name)
                extras.setdefault(name, set()).update(requirement.extras)
    return extras


def system_only(folder: Path, system: System, python: str, extras: dict[str, set[str]]) -> set[str]:
    """What the downloaded wheels need on that system that is not downloaded yet."""
    have: dict[str, Path] = {
        canonicalize_name(wheel.name.split("-")[0]): wheel for wheel in folder.glob("*.whl")
    }
    environment = {
        **system.markers,
        "python_version": python,
        "python_full_version": f"{python}.0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }
    needed: set[str] = set()
    for name, wheel in have.items():
        for line in requires_dist(wheel):
            requirement = Requirement(line)
            marker = requirement.marker
            asked = extras.get(name, set()) | {""}
            if marker is not None and not any(
                marker.evaluate({**environment, "extra": extra}) for extra in asked
            ):
                continue
            if canonicalize_name(requirement.name) not in have:
                needed.add(str(Requirement(f"{requirement.name}{requirement.specifier}")))
    return needed


def requires_dist(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        message = Parser().parsestr(archive.read(metadata).decode("utf-8"))
    return message.get_all("Requires-Dist") or []


def check(root: Path, system: System, python: str) -> Cell:
    with tempfile.TemporaryDirectory(prefix="handson-wheels-") as tmp:
        folder = Path(tmp)
        downloads = folder / "wheels"
        files = requirement_files(root, folder)
        for path, no_deps in files:
            args = ["--no-deps"] if no_deps else []
            missing = pip_download([*args, "-r", str(path)], system, python, downloads)
            if missing is not None:
                return Cell(system, python, missing)
        extras = wanted_extras(path for path, _ in files)
        for _ in range(5):  # what those need in turn, a few levels down
            needed = system_only(downloads, system, python, extras)
            if not needed:
                return Cell(system, python, None)
            missing = pip_download(sorted(needed), system, python, downloads)
            if missing is not None:
                return Cell(system, python, missing)
        return Cell(system, python, "dependencies still missing after 5 rounds")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", action="append", choices=PYTHONS)
    parser.add_argument("--system", action="append", choices=[s.name for s in SYSTEMS])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to check")
    options = parser.parse_args(argv)
    systems = [s for s in SYSTEMS if not options.system or s.name in options.system]
    pythons = options.python or list(PYTHONS)
    cells = [(system, python) for system in systems for python in pythons]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda cell: check(options.root, *cell), cells))
    code = 0
    for cell in results:
        key = (cell.system.name, cell.python)
        if cell.missing is None:
            verdict = "every package has a wheel"
            if key in KNOWN_GAPS:
                verdict += " (a known gap no longer: remove it from KNOWN_GAPS)"
                code = 1
        elif key in KNOWN_GAPS:
            verdict = f"known gap: {KNOWN_GAPS[key]}"
        else:
            verdict = f"NO WHEEL: {cell.missing}"
            code = 1
        print(f"{cell.system.name:14} Python {cell.python:5} {verdict}")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
