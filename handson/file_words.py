"""Why a file a person gave could not be read, or why the run could not write where a person
told it to, in the run's language, with what to do: the system's own words for it are English
on every system (``[Errno 2] No such file or directory``), and a decoding error names bytes and
positions. A Japanese Windows's older editors save in Shift_JIS (cp932) by default: such a file
is named as one, to be saved again as UTF-8."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from handson.i18n import t

# Each kind of OSError a person can fix, and the catalogue's words for it.
_OS_ERRORS: tuple[tuple[type[OSError], str], ...] = (
    (FileNotFoundError, "file.missing"),
    (PermissionError, "file.no_permission"),
    (IsADirectoryError, "file.a_folder"),
)


class Unreadable(Exception):
    """A file a person gave that could not be read; its message says why, in the run's
    language (``unreadable``)."""


def read_given(path: Path) -> str:
    """A file a person gave, as UTF-8 text (``text_of``); Unreadable, saying why, otherwise."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Unreadable(unreadable(error)) from None
    try:
        return text_of(data)
    except UnicodeDecodeError as error:
        raise Unreadable(unreadable(error, data)) from None


def text_of(data: bytes) -> str:
    """A file's bytes as Python reads a UTF-8 text file: a byte order mark dropped (Notepad
    writes one), every line ending made ``\\n``."""
    return data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")


def unreadable(error: OSError | UnicodeDecodeError, data: bytes | None = None) -> str:
    """Why a file could not be read. ``data``: the file's bytes, when it was read but is not
    UTF-8 (they tell Shift_JIS apart)."""
    if isinstance(error, UnicodeDecodeError):
        return t(_encoding_key(data or b""))
    for kind, key in _OS_ERRORS:
        if isinstance(error, kind):
            return t(key)
    return error.strerror or str(error)


def _encoding_key(data: bytes) -> str:
    """What a file that is not UTF-8 is saved as, as far as its bytes tell: UTF-16 by its byte
    order mark (PowerShell 5's ``>`` and ``Out-File`` write it), Shift_JIS when it reads as one
    and holds no NUL, else only that it is not UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "file.utf16"
    if b"\x00" not in data:
        try:
            data.decode("cp932")
        except UnicodeDecodeError:
            return "file.not_utf8"
        return "file.shift_jis"
    return "file.not_utf8"


def unwritable_folder(path: Path) -> str | None:
    """Why ``path`` cannot be the folder results are written in, before anything is made there
    (a file of that name, a file where a folder of its path should be, a folder that cannot be
    written to); None when it can be. Nothing is left to find out (``_can_make_files_in``)."""
    if path.exists() and not path.is_dir():
        return t("folder.is_file")
    return _cannot_make_in(path)


def nearest_existing(path: Path) -> Path:
    """``path`` if it is there, else the nearest of its folders that is (a file, maybe)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _cannot_make_in(path: Path) -> str | None:
    """Why nothing can be made at ``path`` (a folder, or a place for a new one): the nearest of
    it and its folders that exists is a file, or cannot be written to."""
    above = nearest_existing(path)
    if not above.is_dir():
        return t("folder.under_file", file=above)
    return None if _can_make_files_in(above) else t("folder.not_writable", folder=above)


def _can_make_files_in(folder: Path) -> bool:
    """Whether this process can make a file in ``folder``, found by making one: a temporary file
    that the system removes at once (no name on Linux, unlinked as it is made on macOS, deleted
    as it closes on Windows). ``os.access`` cannot say it on Windows, where it answers from the
    read-only attribute only, never from a folder's permissions or from Controlled folder access:
    such a folder passed, and allure stopped the run with an INTERNALERROR at its first result,
    after the build."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def can_write(file: Path) -> bool:
    """Whether this process can write ``file``, which exists, found by opening it to append and
    writing nothing: nothing of it changes. On Windows this also meets a program that holds the
    file open without sharing it (Excel holds a CSV so), which ``os.access`` does not see."""
    try:
        with file.open("ab"):
            return True
    except OSError:
        return False


def unwritable_file(path: Path, ours: Callable[[bytes], bool] | None = None) -> str | None:
    """Why ``path`` cannot be a file the run writes (a folder of that name, or no folder for it
    that can be made or written to; with ``ours``, a file the suite did not write, ``not_ours``);
    None when it can be."""
    if path.is_dir():
        return t("file.a_folder")
    if path.exists() and not can_write(path):
        return t("folder.not_writable", folder=path)
    return _cannot_make_in(path.parent) or (None if ours is None else not_ours(path, ours))


# At most this much of a file is read to tell whether the suite wrote it (a run's checkpoints.json
# is some 50 kB; a call record's first line is enough).
OURS_READ = 16 * 1024 * 1024


def not_ours(path: Path, ours: Callable[[bytes], bool]) -> str | None:
    """Why ``path`` is not to be written over or added to: it holds something the suite did not
    write (``ours`` reads its first bytes), a learner's policy file given for a run's
    checkpoints.json, say; None for a new or empty file, or one the suite wrote."""
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return None
        with path.open("rb") as file:
            head = file.read(OURS_READ)
    except OSError:
        return None  # said by unwritable_file
    return None if ours(head) else t("file.not_ours")
