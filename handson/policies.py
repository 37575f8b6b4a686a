"""The three policy documents of the hands-on, as files a learner can replace with their own."""

from __future__ import annotations

import contextlib
import difflib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handson import policy_grammar
from handson.console import typed
from handson.errors import SuiteUsageError
from handson.file_words import Unreadable, read_given, unreadable
from handson.i18n import listed, t
from handson.json_slips import mended, refused_characters, slip_of
from handson.names import PLACEHOLDER, PLACEHOLDER_IN_JSON, validate_name

SEED_DIR = Path(__file__).resolve().parent.parent / "policies"
USER_POLICY_FILE = "handson-iam-user-policy.json"
ROLE_POLICY_FILE = "handson-iam-role-policy.json"
TRUST_POLICY_FILE = "handson-iam-role-trust-policy.json"
POLICY_FILES = (USER_POLICY_FILE, ROLE_POLICY_FILE, TRUST_POLICY_FILE)
# A permissions boundary for the user's or the role's side, where the folder has one (the hands-on
# sets none; handson discover writes the one a learner's account holds): the run makes it a
# policy of its own and gives it to its user or role, on the emulator only.
BOUNDARY_FILES = {
    "user": "handson-iam-user-boundary.json",
    "role": "handson-iam-role-boundary.json",
}
READ_FILES = (*POLICY_FILES, *BOUNDARY_FILES.values())  # every file of a folder the run reads
_BOUNDARY_USED = {"user": "policy.boundary_used_user", "role": "policy.boundary_used_role"}

PolicyDocument = dict[str, Any]
Render = Callable[[str], str]

# IAM's size limits, in characters without whitespace ("IAM and AWS STS quotas", IAM User Guide).
# The user and role policies are created as customer managed policies, the trust policy as the
# role's AssumeRolePolicyDocument.
MANAGED_POLICY_MAX_CHARS = 6_144
TRUST_POLICY_MAX_CHARS = 2_048  # the default quota; Service Quotas raises it to 4,096 on request
TRUST_POLICY_RAISED_MAX_CHARS = 4_096
# No policy IAM accepts comes near this even pretty-printed, so a bigger file is refused before
# it is read: parsing a mistaken 10 MB file only to refuse it would cost the person seconds.
MAX_POLICY_FILE_BYTES = 1_000_000
# What handson discover writes beside the policy files it writes: where each statement came from.
DISCOVERED_MANIFEST = "discovered.json"


@dataclass(frozen=True)
class PolicyFile:
    path: Path
    text: str  # as written, with the <自分の名前> placeholder
    # A policy as an account holds it (handson discover's folder): a <自分の名前> left in it is
    # the account's text, which AWS compares as written, so the run never puts a name there.
    literal: bool = False

    def document(self, render: Render | None = None) -> PolicyDocument:
        text = render(self.text) if render and not self.literal else self.text
        return json.loads(text)


def as_written(file: PolicyFile, suffix: str) -> Callable[[str], str]:
    """Words about the file's documents, rendered with ``suffix``, shown as the file writes
    them: each name that its placeholder became (``handson-s3-2-20261206-ab12cd``) shows the
    placeholder again (``handson-s3-2-<自分の名前>``), so that a hint's Resource can be copied
    into the file as it is. Only names written with something before the placeholder in the
    file are shown so; a file without it, the words as they are. A file that keeps the
    placeholder keeps it for the hands-on's names it left out too (ForS31 not pasted: bucket
    1's ARN, in the hands-on's statement the hint ends with), as the hands-on's file writes
    them."""
    before = re.compile(r"([\w.-]+)(?:" + PLACEHOLDER_IN_JSON.pattern + ")", re.IGNORECASE)
    if file.literal:  # its placeholder was never the run's name
        return lambda text: text
    found = {match.group(1) for match in before.finditer(file.text)}
    seed = SEED_DIR / file.path.name
    if found and seed.is_file():
        found |= {match.group(1) for match in before.finditer(seed.read_text("utf-8"))}
    stems = sorted(found, key=len, reverse=True)

    def shown(text: str) -> str:
        for stem in stems:
            text = text.replace(stem + suffix, stem + PLACEHOLDER)
        return text

    return shown


def policy_size(document: PolicyDocument) -> int:
    """The document's length as IAM counts it against its limits: without whitespace."""
    # Compact JSON drops the whitespace between tokens; whitespace inside strings stays counted,
    # which can only over-count, never let an over-size policy through.
    return len(json.dumps(document, separators=(",", ":"), ensure_ascii=False))


@dataclass(frozen=True)
class PolicySet:
    user: PolicyFile
    role: PolicyFile
    trust: PolicyFile
    # Files beside them named as a policy file with more after: a browser's second download
    # (`` (1).json``), Explorer's copy (`` - コピー.json``). The run checks the exact names only.
    copies: tuple[str, ...] = ()
    # The permissions boundaries the folder holds, by side ("user", "role"): BOUNDARY_FILES.
    boundaries: tuple[tuple[str, PolicyFile], ...] = ()

    def boundary(self, side: str) -> PolicyFile | None:
        return dict(self.boundaries).get(side)

    @property
    def discovered(self) -> bool:
        """Written by handson discover (its manifest beside them): each principal's file is the
        union of the policies found on it, more than one customer managed policy may hold."""
        return (self.user.path.parent / DISCOVERED_MANIFEST).is_file()

    def notes(self) -> list[str]:
        """What the run says first about the files it reads: the boundaries it gives the user or
        the role (the hands-on sets none: a file left in the folder would change the verdicts
        unsaid), the copies beside them, which it does not read (a learner who edited the copy
        would see the original checked)."""
        said = [t(_BOUNDARY_USED[side], file=file.path) for side, file in self.boundaries]
        if self.copies:
            folder = self.user.path.parent
            said.append(t("policy.copies_beside", folder=folder, copies=listed(self.copies)))
        return said

    def files(self) -> list[PolicyFile]:
        return [self.user, self.role, self.trust, *(file for _, file in self.boundaries)]

    def check_sizes(self, render: Render, unions_as_found: bool = False) -> None:
        """Refuse, in one line, a document over IAM's size limit once ``render`` has put the run's
        name in place of the placeholder (the name's length counts).

        ``unions_as_found``: the target makes a discovered union as it is, as a replay does (the
        emulator: moto holds a policy of any size), so a file handson discover wrote is not held
        to one customer managed policy's limit. It held a learner's user with ReadOnlyAccess
        (95,082 characters) and the hands-on's policy, and the command discover printed for it
        was refused. AWS would refuse such a policy: there the limit stays.

        The loader cannot do this: it runs before the name is known.
        """
        raised = f"{TRUST_POLICY_RAISED_MAX_CHARS:,}"
        checked = [(self.trust, TRUST_POLICY_MAX_CHARS, "policy.too_long_trust")]
        if not (unions_as_found and self.discovered):
            managed = (MANAGED_POLICY_MAX_CHARS, "policy.too_long_managed")
            held = [self.user, self.role, *(file for _, file in self.boundaries)]
            checked = [*((file, *managed) for file in held), *checked]
        for policy, limit, key in checked:
            size = policy_size(policy.document(render))
            if size > limit:
                raise SuiteUsageError(
                    t(
                        key,
                        path=policy.path,
                        size=f"{size:,}",
                        limit=f"{limit:,}",
                        raised=raised,
                    )
                )


# The suffix of the hands-on's bucket names in a policy: handson-s3-1-<name>, handson-s3-2-<name>.
_BUCKET_NAME = re.compile(r"handson-s3-[12]-([^/\"*?\s,\]]+)")
# A bucket of the hands-on's written out of its form, handson-s3-1-<自分の名前>: the hyphen
# before the name left out (handson-s3-1taro), or a space after it (a name pasted with one).
_MISSHAPEN_BUCKET = re.compile(r"handson-s3-[12](?:[a-z0-9.]|-\s+)[^/\"*?\s,\]]*")


def _names_spans(text: str) -> list[range]:
    """Where a file names the learner's name (the placeholder, or a name in its bucket ARNs):
    a name in kanji is the name check's to refuse, in its own words."""
    names = [range(*m.span(1)) for m in _BUCKET_NAME.finditer(text)]
    return names + [range(*m.span()) for m in PLACEHOLDER_IN_JSON.finditer(text)]


def names_in(policy: PolicyFile) -> set[str]:
    """The ``<自分の名前>`` values a policy file's bucket ARNs name (the placeholder left out)."""
    return names_written(policy.text)


def names_written(text: str) -> set[str]:
    """The ``<自分の名前>`` values the bucket ARNs of a policy's JSON text name (the
    placeholder left out, as written or escaped)."""
    return {m for m in _BUCKET_NAME.findall(text) if not PLACEHOLDER_IN_JSON.fullmatch(m)}


def name_from_policies(policies: PolicySet, given: str | None) -> str | None:
    """The name the learner put into their policy files, checked against ``--name``.

    None when the files keep the placeholder (the run then makes up a name, or takes --name).
    Raises a one-line error when the files name different names, when one still holds the
    placeholder beside a name (on AWS that ARN names no bucket, where the run would put the name
    in), when a bucket is written out of the hands-on's form and no name can be read, when the
    name breaks the S3 rules, or when --name disagrees with the files.
    """
    found = {str(p.path): names_in(p) for p in policies.files() if names_in(p)}
    names = sorted({n for each in found.values() for n in each})
    if not names:
        for file in policies.files():
            misshapen = _MISSHAPEN_BUCKET.search(file.text)
            if misshapen:  # the name the learner meant cannot be read: the run would make one up
                arn = misshapen.group().rstrip()
                raise SuiteUsageError(t("policy.bucket_misshapen", path=file.path, arn=arn))
        return None
    if len(names) > 1:
        held = "; ".join(f"{path}: {', '.join(sorted(n))}" for path, n in found.items())
        raise SuiteUsageError(t("policy.names_differ", held=held))
    name = names[0]
    path = next(iter(found))
    for file in policies.files():
        if any(PLACEHOLDER_IN_JSON.fullmatch(m) for m in _BUCKET_NAME.findall(file.text)):
            # On AWS that ARN names no bucket: the emulator would put the name in for it.
            raise SuiteUsageError(t("policy.placeholder_left", path=file.path, name=name))
    validate_name(name, where=t("name.in_file", path=path, name=name))
    if given and given != name:
        raise SuiteUsageError(t("policy.name_disagrees", given=given, path=path, name=name))
    return name


def meant_as(name: str) -> tuple[str, ...]:
    """The policy files that a file of the folder the suite does not read may have been meant
    as: the one its name starts as (a copy, ``handson-iam-user-policy (1).json``; Notepad's
    ``….json.txt``), every one for another JSON file (``user.json``), none for a file that is
    no policy's (a note, a hidden file, an editor's backup or temporary file)."""
    folded = name.casefold()
    if name in READ_FILES or folded.startswith((".", "~")):
        return ()
    alike = tuple(f for f in READ_FILES if folded.startswith(f.removesuffix(".json")))
    if alike and folded.endswith((".json", ".txt")):
        return alike
    return POLICY_FILES if folded.endswith(".json") else ()


def load_policy_set(directory: Path | None = None) -> PolicySet:
    """Load and check a policy set; raise a :class:`SuiteUsageError` naming each bad file.

    ``directory`` holds a learner's own files under the hands-on's names; the trust policy is
    optional there and falls back to the seed's, and a permissions boundary of the user or the
    role is read where its file is there (BOUNDARY_FILES). Every problem of every file is one
    line of the error, in the order of the files, so that one run names all there is to fix.
    """
    base = SEED_DIR if directory is None else Path(directory)
    if base.is_file():  # one policy file given: its folder is what --policies takes
        raise SuiteUsageError(t("policy.a_file", path=base, folder=typed(str(base.parent))))
    if not base.is_dir():
        raise SuiteUsageError(_no_folder(base))
    trust_path = base / TRUST_POLICY_FILE
    if not trust_path.exists():
        trust_path = SEED_DIR / TRUST_POLICY_FILE
    bounded = (
        [] if directory is None else [s for s, f in BOUNDARY_FILES.items() if (base / f).exists()]
    )
    literal = directory is not None and (base / DISCOVERED_MANIFEST).is_file()
    loaded: list[PolicyFile] = []
    refused: list[str] = []
    for path, of_trust in (
        (base / USER_POLICY_FILE, False),
        (base / ROLE_POLICY_FILE, False),
        (trust_path, True),
        *((base / BOUNDARY_FILES[side], False) for side in bounded),
    ):
        try:
            loaded.append(_load(path, trust=of_trust, literal=literal))
        except SuiteUsageError as exc:
            refused.extend(str(exc).splitlines())
    if refused:
        raise SuiteUsageError("\n".join(refused))
    user, role, trust, *boundaries = loaded
    return PolicySet(
        user,
        role,
        trust,
        copies=() if directory is None else _copies(base),
        boundaries=tuple(zip(bounded, boundaries, strict=True)),
    )


def _copies(folder: Path) -> tuple[str, ...]:
    """The folder's files named as one of the policy files with more after it, that an editor
    would open as JSON or text (not ``….json~`` or ``.swp`` backups)."""
    stems = [name.removesuffix(".json").casefold() for name in READ_FILES]
    try:
        names = [p.name for p in folder.iterdir() if p.is_file() and p.name not in READ_FILES]
    except OSError:
        return ()
    return tuple(
        sorted(
            name
            for name in names
            if name.casefold().endswith((".json", ".txt"))
            and any(name.casefold().startswith(stem) for stem in stems)
        )
    )


def _no_folder(path: Path) -> str:
    """--policies names no folder. Windows' C runtime reads a quoted folder ending in a
    backslash ("C:\\my policies\\") as ending in a quote, and takes the options after it into
    the same argument (C:\\my policies" --name taro): said so where the name up to that quote
    is a folder."""
    written = str(path)
    folder = written.partition('"')[0]
    if '"' in written and folder and Path(folder).is_dir():
        return t("policy.not_dir_quote", path=written, folder=folder)
    meant = _folder_meant(path)
    if meant is not None:
        return t("policy.not_dir_meant", path=path, meant=typed(str(meant)))
    return t("policy.not_dir", path=path)


def _folder_meant(path: Path) -> Path | None:
    """The folder beside a mistyped one whose name is closest to it (``polices``: ``policies``),
    as difflib finds it; None where none is close, or the folder above is not there."""
    above = path.parent
    try:
        names = [child.name for child in above.iterdir() if child.is_dir()]
    except OSError:
        return None
    close = difflib.get_close_matches(path.name, names, n=1, cutoff=0.7)
    return above / close[0] if close else None


def _missing(path: Path) -> str:
    """A policy file that is not in its folder. A file of the folder whose name starts as the
    policy's does is named first (Windows' Notepad saves ``….json.txt``, and Explorer hides the
    ``.txt``); else the folder's other JSON files, with the file name the suite reads (a
    learner's own names, ``user.json``, are the usual cause)."""
    expected = set(READ_FILES)
    stem = path.name.removesuffix(".json").casefold()
    try:
        in_folder = [p for p in path.parent.iterdir() if p.is_file() and p.name not in expected]
    except OSError:  # the folder went away while it was read (watch mode: renamed, removed)
        return _no_folder(path.parent)
    alike = sorted(p.name for p in in_folder if p.name.casefold().startswith(stem))
    if alike:
        # Explorer's hidden extension only where there is one to hide (``….json.txt``, or
        # Notepad's ``.txt`` on a name typed without ``.json``); a copy's `` (1).json`` shows.
        hidden = any(a.casefold().endswith(".txt") for a in alike)
        key = "policy.missing_alike" if hidden else "policy.missing_alike_name"
        return t(key, path=path, others=listed(alike), name=path.name)
    others = sorted(p.name for p in in_folder if p.suffix.casefold() == ".json")
    if not others:
        return t("policy.missing", path=path)
    return t("policy.missing_named", path=path, others=listed(others), name=path.name)


def _load(path: Path, *, trust: bool, literal: bool = False) -> PolicyFile:
    if not path.is_file():
        raise SuiteUsageError(_missing(path))
    try:
        size = path.stat().st_size
        if size > MAX_POLICY_FILE_BYTES:
            raise SuiteUsageError(
                t(
                    "policy.too_large",
                    path=path,
                    size=f"{size:,}",
                    limit=f"{MANAGED_POLICY_MAX_CHARS:,}",
                )
            )
        text = read_given(path)
    except OSError as exc:  # its size could not be read
        raise SuiteUsageError(t("policy.unreadable", path=path, error=unreadable(exc))) from None
    except Unreadable as why:
        raise SuiteUsageError(t("policy.unreadable", path=path, error=why)) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SuiteUsageError(slip_of(exc).text(path)) from None
    refused = refused_characters(text, _names_spans(text))
    if refused:
        # The grammar is checked as it will be once these are mended, so that a value is not
        # named twice ("Allow　" is not also refused as an Effect other than Allow and Deny);
        # as it is where mending breaks it (a curly quote inside a string, made straight).
        with contextlib.suppress(json.JSONDecodeError):
            document = json.loads(mended(text))
    found = policy_grammar.problems(document, trust=trust)
    said = [refused[0].text(path, more=len(refused) - 1)] if refused else []
    said += policy_grammar.lines(path, found)
    if said:
        raise SuiteUsageError("\n".join(said))
    return PolicyFile(path=path, text=text, literal=literal)
