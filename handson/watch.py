"""``handson watch``: check the policy files again on every save, without rebuilding anything.

    handson watch                         # the hands-on's policies/ folder
    handson watch --policies DIR          # your own files (the hands-on's names)
    handson watch --policies DIR --lang en
    python -m handson.watch --policies DIR

Starts the emulator and builds the hands-on's environment once, runs every check and prints
what a run prints (the failures, the checkpoint table, the tally, the security lessons). Then,
each time a policy file in DIR is saved: a changed identity policy becomes the policy's new
default version, a changed trust policy the role's, and the checks under it run again (the
user's or the role's; the lessons each time); the table shows them with the others' last
verdicts. A file that cannot be used is one line per problem, as a run says it, and watching
goes on (a file read while the editor still writes it is read again first, for half a second).
Ctrl-C ends it: the environment is removed and checked for leftovers as after a run,
and the exit code is the one a run of the last saved files would have: 4 when they could not be
used, with a line saying that the table is that of the files used before.

Any other option of a run (``--name``, ``--endpoint-url``, ...) is passed on to it. Only the
emulator can be watched: a run on AWS or on a hand-built environment is not rebuilt per save.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

from handson.cli_parser import Parser, speak_first
from handson.errors import SuiteUsageError
from handson.file_words import nearest_existing
from handson.i18n import listed, t
from handson.policies import (
    BOUNDARY_FILES,
    READ_FILES,
    SEED_DIR,
    PolicySet,
    load_policy_set,
    meant_as,
    name_from_policies,
    names_in,
)
from handson.run_folder import option_value
from handson.settings import DEFAULT_TARGET, Settings
from handson.targets import registry
from handson.waiting import poll
from handson.watch_apply import Saved, Unusable, changed_files, files_of

CHECKOUT = Path(__file__).resolve().parents[1]
Say = Callable[[str], None]


# How long watchfiles waits for a change before it wakes with none. Its first wake says that it
# is watching (the folder is then compared with the files in use: a save made before counts);
# the later ones are passed over (a wake costs microseconds; the files are never read for it).
READY_MS = 100
# A save read while the editor still writes it (a file cut short, missing for a moment, or held
# by the editor or a virus scanner on Windows) is read again, a few times within this many
# seconds, before its problems are said: a file that is still unusable then is the learner's.
SETTLING = 0.5


def policy_saves(folder: Path, stop: threading.Event | None = None) -> Iterator[set[str]]:
    """The names of the policy files saved in ``folder``, and of the files that may have been
    meant as one (:func:`handson.policies.meant_as`), a batch per save (watchfiles groups an
    editor's write-and-rename into one); first an empty batch, once it is watching. Ends on
    Ctrl-C (or SIGTERM, Ctrl-Break: the run turns them into KeyboardInterrupt) or when ``stop``
    is set.

    A folder that goes away (renamed, removed, a branch checked out without it) is a batch of
    its own (the reading then says that it is not there); once a folder of that name is back it
    is watched anew, and compared with the files in use as at the start. The system's watch
    stays on the folder that went away, which no save reaches again."""
    try:
        stopped = False
        while not stopped:
            stopped = yield from _while_there(folder, stop)
            if not stopped:
                yield set()  # read: the folder is not there
                stopped = not _back(folder, stop)
    except KeyboardInterrupt:
        return


def _while_there(folder: Path, stop: threading.Event | None) -> Generator[set[str], None, bool]:
    """policy_saves' batches for as long as ``folder`` is there; whether the watch was stopped
    (else the folder went away)."""
    import watchfiles

    def is_policy(change: watchfiles.Change, path: str) -> bool:
        name = Path(path).name
        return name in READ_FILES or bool(meant_as(name))

    watching = False
    try:
        for changes in watchfiles.watch(
            folder,
            watch_filter=is_policy,
            stop_event=stop,
            recursive=False,
            rust_timeout=READY_MS,
            yield_on_timeout=True,
        ):
            if not folder.is_dir():
                return False
            if changes or not watching:
                watching = True
                yield {Path(path).name for _, path in changes}
    except FileNotFoundError:  # gone again before the system's watch was set on it
        return False
    return True


def _back(folder: Path, stop: threading.Event | None) -> bool:
    """Wait, with watchfiles on the nearest folder above that is there, until ``folder`` is a
    folder again (True) or the watch is stopped (False)."""
    import watchfiles

    while not folder.is_dir():
        above = nearest_existing(folder)
        above = above if above.is_dir() else above.parent  # a file where the folder was
        for _ in watchfiles.watch(
            above, stop_event=stop, recursive=False, rust_timeout=READY_MS, yield_on_timeout=True
        ):
            if folder.is_dir() or not above.is_dir():
                break
        else:
            return False  # stopped
    return True


def read_settled(
    folder: Path, settings: Settings, pause: Callable[[float], None] = time.sleep
) -> PolicySet:
    """read_saved, read again within SETTLING seconds while it fails: what it raises is the
    last reading's problem."""

    def reading() -> PolicySet | SuiteUsageError:
        try:
            return read_saved(folder, settings)
        except SuiteUsageError as error:
            return error

    read, _ = poll(
        reading,
        lambda result: not isinstance(result, SuiteUsageError),
        budget=SETTLING,
        interval=lambda n: 0.1,
        pause=pause,
    )
    if isinstance(read, SuiteUsageError):
        raise read
    return read


def read_saved(folder: Path, settings: Settings) -> PolicySet:
    """The folder's files, checked as a run checks them, for the environment already built: the
    same name in the bucket ARNs, IAM's size limits with it."""
    policies = load_policy_set(folder)
    # A name other than the one built with first: the environment is not built again.
    other = sorted({n for f in policies.files() for n in names_in(f)} - {settings.names.suffix})
    if other:
        raise SuiteUsageError(t("watch.other_name", name=other[0], built=settings.names.suffix))
    name_from_policies(policies, None)  # the files' own slips (a placeholder left beside it)
    policies.check_sizes(settings.names.render, unions_as_found=True)  # on the emulator
    bounded = {side for side, _ in policies.boundaries}
    before = {side for side, _ in settings.policies.boundaries}
    if bounded != before:
        # The user and the role were made with or without a boundary: that is not changed here.
        files = listed([BOUNDARY_FILES[side] for side in sorted(bounded ^ before)])
        raise SuiteUsageError(t("watch.boundary_changed", files=files))
    return policies


def edits(
    folder: Path,
    settings: Callable[[], Settings],
    say: Say,
    saves: Callable[[Path], Iterator[set[str]]] = policy_saves,
) -> Iterator[Saved]:
    """Each saved policy set that differs from the run's current one. A set that cannot be used
    is said, one line per problem, and given as Unusable; so is a return to the files last
    checked (with no lines); then the next save is awaited."""
    waiting = t("watch.waiting", folder=folder)
    refused = False  # the last save was refused: the next one that is usable is said
    for count, saved in enumerate(saves(folder)):
        if count == 0:
            say(waiting)
        current = settings()
        try:
            policies = read_settled(folder, current)
        except SuiteUsageError as error:
            lines = tuple(f"ERROR: {line}" for line in str(error).splitlines())
            for line in lines:
                say(line)
            yield Unusable(lines)
            say(waiting)
            refused = True
            continue
        changed = changed_files(current.policies, policies)
        if not changed:
            # Saved as it was, or another file of the folder: nothing to check again. A file
            # the learner may have meant as a policy is said not to be read.
            unread = not_read(folder, saved)
            for line in unread:
                say(line)
            if refused:
                say(t("watch.as_checked"))
                yield Unusable(())
            if refused or unread:
                say(waiting)
            refused = False
            continue
        refused = False
        names = sorted(files_of(policies)[side].path.name for side in changed)
        say(t("watch.saved", files=listed(names)))
        yield policies
        say(waiting)


def not_read(folder: Path, saved: set[str]) -> list[str]:
    """A line for each saved file of ``folder`` that the checks do not read but that may have been
    meant as a policy file: the learner's edit would otherwise go unanswered."""
    lines = []
    for name in sorted(saved):
        meant = meant_as(name)
        if not meant or not (folder / name).is_file() or _is_one_of(folder, name, meant):
            continue  # not a policy's, an editor's file gone again, or the policy file itself
        if len(meant) > 1:
            lines.append(t("watch.not_read", file=name, names=listed(meant)))
        elif name.casefold().endswith(".txt"):
            lines.append(t("watch.not_read_txt", file=name, name=meant[0]))
        else:
            lines.append(t("watch.not_read_alike", file=name, name=meant[0]))
    return lines


def _is_one_of(folder: Path, name: str, files: tuple[str, ...]) -> bool:
    """Whether ``name`` is one of ``files`` under another spelling: on Windows and macOS, whose
    file names are not case-sensitive, Handson-IAM-User-Policy.json is the policy file."""
    return any((folder / f).is_file() and (folder / name).samefile(folder / f) for f in files)


def pytest_arguments(folder: Path, rest: list[str]) -> list[str]:
    """The run of the features, as ``pytest features/`` from the checkout, on ``folder``."""
    return [
        str(CHECKOUT / "features"),
        f"--rootdir={CHECKOUT}",
        "-c",
        str(CHECKOUT / "pytest.ini"),
        "-p",
        "no:cacheprovider",
        f"--policies={folder}",
        *rest,
    ]


def refused_target(args: list[str]) -> str | None:
    """A target watch mode cannot use, from the options or the environment: only one that builds
    the environment on an emulator of its own can take a learner's saves."""
    name = option_value(args, "--target") or os.environ.get("HANDSON_TARGET") or DEFAULT_TARGET
    try:
        kind = registry.kind_named(name)
    except KeyError:
        return None  # the run refuses a target it does not know, in its own words
    return None if kind.emulated and kind.endpoint_is_emulator else name


def main(argv: list[str] | None = None, prog: str = "handson watch") -> int:
    args = speak_first(argv)  # before argparse: its help, and a refusal, in the run's language
    if args is None:
        return 2
    parser = Parser(prog, "watch", epilog=t("watch.epilog"), lang=False)  # --lang: the run's
    parser.add_argument("--policies", type=Path, metavar="DIR", help=t("watch.policies_help"))
    # Every other option is the run's (pytest features/ --help lists them).
    known, rest = parser.parse_known_args(args)
    target = refused_target(rest)
    if target is not None:
        print(f"ERROR: {t('watch.not_emulator', target=target)}", file=sys.stderr)
        return 4
    folder = (known.policies or SEED_DIR).resolve()
    # The features' plugins (fixtures/) live in the checkout, beside this package.
    sys.path.insert(0, str(CHECKOUT))
    import pytest

    from fixtures.watch import WatchLoop

    loop = WatchLoop(lambda settings, say: edits(folder, settings, say))
    return int(pytest.main(pytest_arguments(folder, rest), plugins=[loop]))


if __name__ == "__main__":
    from handson.cli import command

    sys.exit(command("watch"))
