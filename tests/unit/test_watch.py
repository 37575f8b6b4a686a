"""Watch mode's parts without a run: which files an edit changed, how they are put into the
environment, and what a save that cannot be used says (handson/watch.py, handson/watch_apply.py).
The whole of it, as a learner uses it: tests/test_watch.py."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from handson.i18n import set_language, t
from handson.names import RunNames
from handson.policies import (
    ROLE_POLICY_FILE,
    SEED_DIR,
    TRUST_POLICY_FILE,
    USER_POLICY_FILE,
    PolicySet,
    load_policy_set,
)
from handson.run_folder import option_value
from handson.settings import Settings
from handson.watch import edits, policy_saves, refused_target
from handson.watch_apply import Unusable, apply_edits, changed_files, checked_as


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("ja")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(SEED_DIR, tmp_path / "policies", ignore=shutil.ignore_patterns("*.md"))
    return tmp_path / "policies"


def settings_for(folder: Path, name: str = "20261204-abc123") -> Settings:
    return Settings(
        target="emulator",
        names=RunNames(name),
        region="ap-northeast-1",
        policies=load_policy_set(folder),
        policies_dir=folder,
        keep=False,
        endpoint_url=None,
    )


def edit(folder: Path, file: str, change: Any) -> None:
    path = folder / file
    document = json.loads(path.read_text("utf-8"))
    change(document)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), "utf-8")


def test_an_edit_concerns_the_checks_acting_under_its_file(folder: Path) -> None:
    before = load_policy_set(folder)
    edit(folder, TRUST_POLICY_FILE, lambda d: d.update(Version="2012-10-17"))
    assert changed_files(before, load_policy_set(folder)) == {"trust"}
    edit(folder, USER_POLICY_FILE, lambda d: d["Statement"][0].update(Sid="Renamed"))
    changed = changed_files(before, load_policy_set(folder))
    assert changed == {"user", "trust"}
    assert checked_as(changed) == {"user", "role"}
    assert checked_as(frozenset({"role", "trust"})) == {"role"}


class RecordingIam:
    """The IAM calls watch mode makes, with a policy that holds its five versions already."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def list_policy_versions(self, **kwargs: Any) -> dict[str, Any]:
        versions = [{"VersionId": f"v{n}", "IsDefaultVersion": n == 5} for n in range(1, 6)]
        return {"Versions": versions}

    def __getattr__(self, operation: str) -> Any:
        return lambda **kwargs: self.calls.append((operation, kwargs))


def test_a_saved_policy_is_the_new_default_version_and_a_trust_policy_the_roles(
    folder: Path,
) -> None:
    names = RunNames("20261204-abc123")
    env: Any = SimpleNamespace(
        user_policy_arn="arn:user-policy", role_policy_arn="arn:role-policy", role_name="role"
    )
    iam = RecordingIam()
    policies = load_policy_set(folder)
    apply_edits(iam, env, policies, frozenset({"role", "trust"}), names.render)
    operations = [(operation, kwargs.get("VersionId")) for operation, kwargs in iam.calls]
    # IAM keeps five versions: the four that are not the default go first.
    assert operations == [
        *(("delete_policy_version", f"v{n}") for n in range(1, 5)),
        ("create_policy_version", None),
        ("update_assume_role_policy", None),
    ]
    created = iam.calls[4][1]
    assert created["PolicyArn"] == "arn:role-policy" and created["SetAsDefault"] is True
    assert json.loads(created["PolicyDocument"]) == policies.role.document(names.render)
    assert "<自分の名前>" not in created["PolicyDocument"]
    assert iam.calls[5][1]["RoleName"] == "role"


def test_a_save_that_cannot_be_used_is_one_line_and_the_next_one_counts(folder: Path) -> None:
    settings = settings_for(folder)
    said: list[str] = []
    role = folder / ROLE_POLICY_FILE
    good = role.read_text("utf-8")
    steps = [
        lambda: None,  # watching: nothing saved yet
        lambda: role.write_text('{"Version": "2012-10-17",', "utf-8"),
        lambda: role.write_text(good, "utf-8"),  # back as checked: nothing to check again
        lambda: edit(folder, ROLE_POLICY_FILE, lambda d: d["Statement"].pop()),
    ]

    def saves(_: Path) -> Iterator[set[str]]:
        for step in steps:
            step()
            yield {ROLE_POLICY_FILE}

    unusable, restored, found = list(edits(folder, lambda: settings, said.append, saves=saves))
    assert isinstance(found, PolicySet) and found.role.text != good
    errors = [line for line in said if line.startswith("ERROR:")]
    assert len(errors) == 1 and f"{ROLE_POLICY_FILE}: not valid JSON at line 1" in errors[0]
    # What the session keeps, to say at its end that the table is not of the saved files.
    assert unusable == Unusable((errors[0],)) and restored == Unusable(())
    assert "the policy files are again as last checked: the table above stands" in said
    assert f"{ROLE_POLICY_FILE} saved: checking again" in said


def test_a_name_other_than_the_environments_is_one_line(folder: Path) -> None:
    settings = settings_for(folder)
    other = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::handson-s3-1-taro/*",
    }
    edit(folder, ROLE_POLICY_FILE, lambda d: d["Statement"].append(other))
    said: list[str] = []
    found = list(edits(folder, lambda: settings, said.append, saves=lambda _: iter([set()])))
    refusal = (
        "ERROR: the bucket ARNs in the policy files name 'taro', but the environment was built "
        "as '20261204-abc123': put '20261204-abc123' back, or keep <自分の名前> (to change the "
        "name, start watch again)"
    )
    assert [line for line in said if line.startswith("ERROR:")] == [refusal]
    assert found == [Unusable((refusal,))]


def test_a_saved_file_the_checks_do_not_read_is_named_with_the_file_they_read(
    folder: Path,
) -> None:
    """A copy of a policy file, Notepad's ``.json.txt`` or the learner's own ``user.json``,
    edited and saved: the learner expects an answer, and the checks read none of them."""
    settings = settings_for(folder)
    user = (folder / USER_POLICY_FILE).read_text("utf-8")
    saved = {
        "handson-iam-user-policy (1).json": user,
        "handson-iam-role-policy.json.txt": user,
        "user.json": user,
        "notes.txt": "a note",
        "handson-iam-user-policy.json~": user,  # vim's backup
        ".handson-iam-user-policy.json.swp": "",  # vim's swap file
    }
    for name, text in saved.items():
        (folder / name).write_text(text, "utf-8")
    # The policy file itself under another case, as Windows and macOS name it (a second link to
    # the file stands for it here): read, so not said.
    (folder / "Handson-IAM-User-Policy.json").hardlink_to(folder / USER_POLICY_FILE)
    saved["Handson-IAM-User-Policy.json"] = user
    said: list[str] = []

    def saves(_: Path) -> Iterator[set[str]]:
        yield set()  # watching
        yield set(saved) | {"gone.json"}  # an editor's file, removed again before it is read

    assert list(edits(folder, lambda: settings, said.append, saves=saves)) == []
    assert said[1:-1] == [
        "handson-iam-role-policy.json.txt is not read: the checks read "
        "handson-iam-role-policy.json. Your editor added .txt to the name (Windows' Explorer "
        "hides it: turn on View, File name extensions, to see it); save it as "
        "handson-iam-role-policy.json, with the file type set to All files",
        "handson-iam-user-policy (1).json is not read: the checks read "
        "handson-iam-user-policy.json (to use what you edited, save it as "
        "handson-iam-user-policy.json)",
        "user.json is not read: the checks read handson-iam-user-policy.json, "
        "handson-iam-role-policy.json, handson-iam-role-trust-policy.json only (to use what "
        "you edited, save it under one of these names)",
    ]


def test_only_the_emulator_is_watched(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HANDSON_TARGET", raising=False)
    assert refused_target(["--name", "x"]) is None
    assert refused_target(["--target=aws"]) == "aws"
    assert refused_target(["--target", "existing"]) == "existing"
    monkeypatch.setenv("HANDSON_TARGET", "aws")
    assert refused_target([]) == "aws"
    assert option_value(["--lang", "en"], "--lang") == "en"


def test_saves_come_from_the_systems_file_events_until_stopped(folder: Path) -> None:
    stop = threading.Event()
    saves = policy_saves(folder, stop)
    assert next(saves) == set()  # watching now: what is saved from here on counts
    (folder / "notes.txt").write_text("not a policy", "utf-8")
    (folder / USER_POLICY_FILE).write_text("{}", "utf-8")
    assert next(saves) == {USER_POLICY_FILE}
    (folder / "handson-iam-user-policy.json.txt").write_text("{}", "utf-8")  # Notepad's
    assert next(saves) == {"handson-iam-user-policy.json.txt"}
    stop.set()
    assert list(saves) == []


def _vim(path: Path, text: str) -> None:
    """vim (backupcopy=no): the old file renamed to a backup, a new one written, the backup
    removed."""
    backup = path.with_name(path.name + "~")
    path.rename(backup)
    path.write_text(text, "utf-8")
    backup.unlink()


def _jetbrains(path: Path, text: str) -> None:
    """JetBrains' safe write: the text into a file beside, the old file renamed away, the new
    one renamed into its place, the old one removed."""
    written = path.with_name(path.name + "___jb_tmp___")
    old = path.with_name(path.name + "___jb_old___")
    written.write_text(text, "utf-8")
    path.rename(old)
    written.rename(path)
    old.unlink()


def _replaced(path: Path, text: str) -> None:
    """Written beside under a hidden name, then put over the old file in one step (os.replace:
    editors' and tools' 'atomic save')."""
    written = path.with_name(f".{path.name}.tmp")
    written.write_text(text, "utf-8")
    written.replace(path)


def _in_two_parts(path: Path, text: str) -> None:
    """Cut short first, the rest a moment later (a slow disk, an editor that writes in parts):
    watch mode reads the half-written file, and reads it again."""
    half = len(text) // 2
    with path.open("w", encoding="utf-8") as out:
        out.write(text[:half])
        out.flush()
        time.sleep(0.15)  # past watchfiles' 50 ms of quiet: the cut file is a save of its own
        out.write(text[half:])


EDITORS_SAVES = {
    "in-place": lambda path, text: path.write_text(text, "utf-8"),
    "written-in-two-parts": _in_two_parts,
    "vim": _vim,
    "jetbrains-safe-write": _jetbrains,
    "atomic-replace": _replaced,
}


@pytest.mark.parametrize("save", EDITORS_SAVES.values(), ids=EDITORS_SAVES.keys())
def test_an_editor_s_save_is_one_edit_whatever_the_editor_does_on_disk(
    folder: Path, save: Any
) -> None:
    """Each way an editor saves is one edit, read whole: no file missing for a moment, no
    backup or temporary file taken for a policy, no line but the save's own."""
    said: list[str] = []
    compared, stop = threading.Event(), threading.Event()

    def say(line: str) -> None:
        said.append(line)

    def saves_of(path: Path) -> Iterator[set[str]]:
        watched = policy_saves(path, stop)
        yield next(watched)  # watching: edits() now compares the folder with the files in use
        compared.set()  # it asks for the next save: the learner saves now
        yield from watched

    current = settings_for(folder)
    document = json.loads((folder / USER_POLICY_FILE).read_text("utf-8"))
    document["Statement"][0]["Sid"] += "Edited"
    text = json.dumps(document, ensure_ascii=False, indent=2)

    def editor() -> None:
        if compared.wait(30):
            save(folder / USER_POLICY_FILE, text)

    saves = edits(folder, lambda: current, say, saves_of)
    threading.Thread(target=editor, daemon=True).start()
    try:
        policies = next(saves)
    finally:
        stop.set()
    assert isinstance(policies, PolicySet), policies
    assert policies.user.document() == document
    assert changed_files(current.policies, policies) == {"user"}
    assert [line for line in said if line.startswith("ERROR")] == [], said
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [ROLE_POLICY_FILE, TRUST_POLICY_FILE, USER_POLICY_FILE]
    )


def test_a_folder_that_goes_away_is_said_and_watched_again_once_it_is_back(
    folder: Path, tmp_path: Path
) -> None:
    """Moved away, then back as a new folder (a branch checked out without it, then with it):
    the system's watch stayed on the folder that went away, and every later save went
    unanswered; its going was not said either. Now its going is one line, and the folder back
    is watched anew."""
    said: list[str] = []
    stop, watching = threading.Event(), threading.Event()
    current = settings_for(folder)
    aside = tmp_path / "aside"

    def saves_of(path: Path) -> Iterator[set[str]]:
        watched = policy_saves(path, stop)
        yield next(watched)
        watching.set()  # edits() compared the folder with the files in use, and waits
        yield from watched

    def learner() -> None:
        if watching.wait(30):
            folder.rename(aside)

    saves = edits(folder, lambda: current, said.append, saves_of)
    threading.Thread(target=learner, daemon=True).start()
    deadline = threading.Timer(20, stop.set)  # a save never seen ends the watch: next() fails
    deadline.start()
    try:
        gone = next(saves)
        assert isinstance(gone, Unusable) and len(gone.lines) == 1, gone
        assert gone.lines[0].startswith(f"ERROR: --policies {folder}: "), gone.lines
        shutil.copytree(aside, folder)  # back as a new folder (a branch checked out again)
        back = next(saves)  # as it was: the table above stands
        assert isinstance(back, Unusable) and back.lines == (), (back, said)
        assert t("watch.as_checked") in said, said
        edit(folder, USER_POLICY_FILE, lambda doc: doc["Statement"][0].update(Sid="Again"))
        saved = next(saves)
        assert not isinstance(saved, Unusable), said
        assert changed_files(current.policies, saved) == {"user"}
    finally:
        deadline.cancel()
        stop.set()
