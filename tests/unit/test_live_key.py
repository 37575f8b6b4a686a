"""--temporary-user-key: the key the run makes for the learner's user is the teardown's the
moment it exists, before anything else can fail (handson/lifecycle/live.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from handson.aws import Principal
from handson.discovery import Discovery
from handson.lifecycle import labels
from handson.lifecycle.cleanup import Cleanup
from handson.lifecycle.live import LiveBuilder, LiveRecord
from handson.names import RunNames, default_name


class _Iam:
    def __init__(self) -> None:
        self.deleted: list[str] = []

    def create_access_key(self, UserName: str) -> dict[str, Any]:
        return {"AccessKey": {"AccessKeyId": "AKIAEXAMPLEKEY", "SecretAccessKey": "s3cr3t"}}

    def delete_access_key(self, UserName: str, AccessKeyId: str) -> None:
        self.deleted.append(AccessKeyId)


class _Admin:
    def __init__(self, iam: _Iam) -> None:
        self.iam = iam

    def client(self, service: str) -> Any:
        return self.iam if service == "iam" else object()


class _Unwritable:
    def add(self, kind: str, **fields: str) -> None:
        raise OSError("the record could not be written")


def test_a_key_whose_record_could_not_be_written_is_still_removed() -> None:
    """The key was made, then writing the run's record of it failed (or a Ctrl-C came while
    it did): it was left in the learner's account, with no record to sweep it by."""
    iam, cleanup = _Iam(), Cleanup()
    builder = LiveBuilder(
        cast(Principal, _Admin(iam)),
        RunNames(default_name()),
        cast(Discovery, SimpleNamespace(user="handson-iam-user")),
        cleanup,
        None,
        lambda key_id: None,
        temporary_key=True,
        record=cast(LiveRecord, _Unwritable()),
    )
    with pytest.raises(OSError):
        builder.temporary_key()
    assert cleanup.pending == [labels.temporary_key("AKIAEXAMPLEKEY", "handson-iam-user")]
    assert cleanup.run() == [] and iam.deleted == ["AKIAEXAMPLEKEY"]
