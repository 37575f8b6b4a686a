"""What ``python scripts/checklist.py`` does once scripts/checklist.py has found Python 3.11 or
newer (README, first lines): makes ``.venv`` if it is missing, installs what the checklist needs
into it if that is not done yet, and runs ``pytest features/`` with the options given, from the
virtual environment's Python; the exit code is pytest's. The install is the README's, in two steps:
the IAM engine (requirements-engine.txt) goes in without its dependencies, which pin an older
botocore.

"Done yet" is a stamp in ``.venv`` holding a digest of the requirement files: a second call starts
the run at once, and a changed requirement file installs again. Only the standard library runs
here (nothing is installed yet); scripts/check.py uses the same means for the tests' install.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import urllib.request
import venv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(
    0, str(ROOT)
)  # handson.i18n and .console: the standard library only, before any install

from handson.console import readable_output  # noqa: E402
from handson.i18n import DEFAULT_LANGUAGE, LANGUAGES, set_language, t  # noqa: E402
from handson.signals import INTERRUPTED_EXIT  # noqa: E402

VENV = ROOT / ".venv"
STAMP = "handson-installed.json"


@dataclass(frozen=True)
class Install:
    """One ``pip install`` of requirement files, with the options it needs."""

    name: str
    pip_args: tuple[str, ...]

    def files(self) -> list[str]:
        return [arg for arg in self.pip_args if arg.endswith(".txt")]


# The README's install: the engine without its dependencies, after everything else.
CHECKLIST = (
    Install("checklist", ("-r", "requirements.txt")),
    Install("engine", ("--no-deps", "-r", "requirements-engine.txt")),
)
# What the suite's own tests need on top (docs/testing.md).
TESTS = (Install("tests", ("-r", "requirements-dev.txt")),)


def venv_python(venv_dir: Path) -> Path:
    if sys.platform == "win32":
        return venv_dir / "Scripts" / "python.exe"
    return venv_dir / "bin" / "python"


def digest(install: Install, root: Path = ROOT) -> str:
    """What decides that an install is done: its options and every requirement file it may read
    (one includes another with ``-r``; ``-e .`` reads pyproject.toml)."""
    hashed = hashlib.sha256(" ".join(install.pip_args).encode())
    for path in [*sorted(root.glob("requirements*.txt")), root / "pyproject.toml"]:
        hashed.update(path.name.encode() + b"\0" + path.read_bytes())
    return hashed.hexdigest()


def installed(venv_dir: Path) -> dict[str, str]:
    stamp = venv_dir / STAMP
    try:
        return dict(json.loads(stamp.read_text("utf-8")))
    except (OSError, ValueError):
        return {}


def pip_command(python: Path, install: Install) -> list[str]:
    return [str(python), "-m", "pip", "install", "--disable-pip-version-check", *install.pip_args]


def proxy_in_use() -> str | None:
    """The proxy pip reaches the package index through, as this system sets it (the
    ``https_proxy`` family of variables, or Windows' and macOS' own settings, which pip's
    requests reads as ``urllib`` does), with no user name or password: None when there is none."""
    proxies = urllib.request.getproxies()
    proxy = proxies.get("https") or proxies.get("http")
    if not proxy:
        return None
    scheme, found, rest = proxy.partition("://")
    rest = rest if found else proxy
    if "@" in rest:  # user:password@host:port (a password may hold '/' or '@' unencoded too)
        rest = "***@" + rest.rpartition("@")[2]
    return (f"{scheme}://" if found else "") + rest


def install_failed(install: Install) -> str:
    """The one line a failed install ends with; a proxy in the way is named, as learners behind
    a school's or a company's proxy meet it most."""
    files = " ".join(install.files())
    proxy = proxy_in_use()
    if proxy is None:
        return t("bootstrap.install_failed", files=files)
    return t("bootstrap.install_failed_proxy", files=files, proxy=proxy)


# The longest path, in characters, that the install makes below site-packages: moto's parser
# of Step Functions, with the bytecode pip writes. tests/unit/test_bootstrap_scripts.py measures
# the installed .venv, so that a pin that makes longer ones fails there first.
LONGEST_INSTALLED = 153
# A path Windows opens while its long paths are turned off (MAX_PATH, its final NUL aside).
WINDOWS_MAX_PATH = 259


def windows_long_paths() -> bool:
    """Whether Windows' long paths are turned on (LongPathsEnabled, which Python's own
    executables are made to use)."""
    if sys.platform != "win32":
        return False
    import winreg  # Windows only: scripts/platform_check.py type-checks it for Windows

    where = r"SYSTEM\CurrentControlSet\Control\FileSystem"
    try:
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, where) as key:
            return bool(winreg.QueryValueEx(key, "LongPathsEnabled")[0] == 1)
    except OSError:
        return False


def too_deep(venv_dir: Path, platform: str = sys.platform, long_paths: bool | None = None) -> int:
    """The length of the longest path the install would make, when Windows could not open it
    (a folder deep in OneDrive's Documents, with long paths turned off); 0 when it fits. pip
    stops halfway there with an OSError and a hint in English."""
    if platform != "win32":
        return 0
    longest = len(str(venv_dir / "Lib" / "site-packages")) + 1 + LONGEST_INSTALLED
    if longest <= WINDOWS_MAX_PATH:
        return 0
    turned_on = windows_long_paths() if long_paths is None else long_paths
    return 0 if turned_on else longest


# Where a system keeps the folders it syncs to the cloud: OneDrive on Windows (which also holds
# the Desktop and Documents once "Known Folder Move" is on), iCloud Drive on macOS.
ONEDRIVE_VARIABLES = ("OneDrive", "OneDriveConsumer", "OneDriveCommercial")
ICLOUD_DRIVE = Path("Library", "Mobile Documents")


def synced_folder(
    root: Path, environ: Mapping[str, str] | None = None, home: Path | None = None
) -> Path | None:
    """The cloud-synced folder that holds ``root``, if any: the install's thousands of files
    (.venv) and every run's results (reports/) would be synced as they are written, which slows
    both, and a file the sync holds open cannot be removed (Windows)."""
    env = os.environ if environ is None else environ
    folders = [Path(env[name]) for name in ONEDRIVE_VARIABLES if env.get(name)]
    folders.append((Path.home() if home is None else home) / ICLOUD_DRIVE)
    where = Path(os.path.normcase(os.path.abspath(root)))
    for folder in folders:
        if where.is_relative_to(Path(os.path.normcase(os.path.abspath(folder)))):
            return folder
    return None


def ensure(installs: Sequence[Install], venv_dir: Path = VENV, root: Path = ROOT) -> Path:
    """The virtual environment's Python, with ``installs`` done (each one only once). A folder
    too deep for the install stops it in one line before anything is made."""
    python = venv_python(venv_dir)
    done = installed(venv_dir)
    missing = [i for i in installs if done.get(i.name) != digest(i, root)]
    if missing or not python.exists():
        longest = too_deep(venv_dir)
        if longest:
            raise SystemExit(
                t("bootstrap.too_deep", path=root, length=longest, limit=WINDOWS_MAX_PATH)
            )
    if not python.exists():
        synced = synced_folder(root)
        if synced is not None:  # said once, before the first install; the install goes on
            example = r"C:\handson" if sys.platform == "win32" else "~/handson"
            print(t("bootstrap.synced", path=root, synced=synced, example=example), flush=True)
        print(t("bootstrap.venv", path=venv_dir), flush=True)
        try:
            venv.EnvBuilder(with_pip=True, clear=venv_dir.exists()).create(venv_dir)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise SystemExit(t("bootstrap.no_venv", path=venv_dir, error=exc)) from None
        except KeyboardInterrupt:
            # Half made (a Python without its pip): the next call would find a Python and never
            # make it whole. This call made it: it goes, and the next call makes it anew.
            shutil.rmtree(venv_dir, ignore_errors=True)
            raise
    if missing:
        files = " ".join(f for i in missing for f in i.files())
        print(t("bootstrap.install", files=files, path=venv_dir), flush=True)
    for install in missing:
        code, interrupted = finished(pip_command(python, install), root)
        if interrupted:
            raise KeyboardInterrupt  # after pip stopped on its own; its stamp is not written
        if code != 0:
            raise SystemExit(install_failed(install))
        done[install.name] = digest(install, root)
        (venv_dir / STAMP).write_text(json.dumps(done, indent=2), "utf-8")
    return python


def activated(venv_dir: Path = VENV) -> dict[str, str]:
    """This environment as the README's activation makes it: the virtual environment's commands
    first on PATH (what the run starts finds them there, as after ``activate``)."""
    path = os.pathsep.join([str(venv_python(venv_dir).parent), os.environ.get("PATH", "")])
    return {**os.environ, "VIRTUAL_ENV": str(venv_dir), "PATH": path}


def finished(
    command: Sequence[str], root: Path = ROOT, env: dict[str, str] | None = None
) -> tuple[int, bool]:
    """``command`` run to its end: its exit code, and whether Ctrl+C came meanwhile."""
    return waited(subprocess.Popen(command, cwd=root, env=env))


def waited(process: subprocess.Popen[bytes]) -> tuple[int, bool]:
    """The process's exit code, and whether Ctrl+C came while it ran. Ctrl+C reaches the child
    too, which stops on its own: a run through its teardown, removing what it made; pip between
    two steps. It is waited for, not killed half-way (as subprocess.run would kill it: a run's
    resources left behind, a package half installed)."""
    interrupted = False
    while True:
        try:
            return process.wait(), interrupted
        except KeyboardInterrupt:
            interrupted = True


def wait_for(process: subprocess.Popen[bytes]) -> int:
    """The process's exit code, however often Ctrl+C came (its own code says so)."""
    return waited(process)[0]


def checklist_command(
    python: Path, pytest_args: Sequence[str], root: Path | None = None
) -> list[str]:
    """``pytest features/``, in the checkout; with ``root``, the checkout's from any folder
    (the person's, where they typed the command): a relative path they give, ``--policies my
    policies`` or HANDSON_POLICIES, is then theirs, as pytest, handson watch and every other
    command read it, and not a folder of the checkout's (which read the hands-on's own files,
    13 passed, for a learner's folder of the same name). ``-P``: nothing of their folder is
    imported (a file there named as a module is)."""
    if root is None:
        return [str(python), "-m", "pytest", "features/", *pytest_args]
    return [
        str(python),
        "-P",
        "-m",
        "pytest",
        str(root / "features"),
        f"--rootdir={root}",
        "-c",
        str(root / "pytest.ini"),
        *pytest_args,
    ]


def run(command: Sequence[str], root: Path = ROOT, env: dict[str, str] | None = None) -> int:
    """The run's exit code: after a Ctrl+C, the run's own (it says it was interrupted)."""
    return finished(command, root, env)[0]


def choose_language(pytest_args: Sequence[str]) -> None:
    """The run's language for these lines too: ``--lang``, else HANDSON_LANG (the run itself
    refuses a wrong one, in both languages)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--lang")
    known, _ = parser.parse_known_args(list(pytest_args))
    language = known.lang or os.environ.get("HANDSON_LANG") or DEFAULT_LANGUAGE
    set_language(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def main(argv: Sequence[str]) -> int:
    readable_output()
    choose_language(argv)
    try:
        python = ensure(CHECKLIST)
    except KeyboardInterrupt:
        print(t("bootstrap.interrupted"), file=sys.stderr)
        return INTERRUPTED_EXIT
    return run(checklist_command(python, argv, ROOT), Path.cwd(), env=activated())
