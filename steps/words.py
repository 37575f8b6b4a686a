"""The features' words, turned into plain values at the step boundary.

The Gherkin speaks Japanese, as the hands-on does; the support package takes only the values
below. Each table is every word the features may use in that place of a step.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import TypeVar

from handson.names import HandsonBucket
from handson.role_actions import ObjectOperation, OtherResource, Place
from handson.user_actions import Ec2Operation, IamListing

E = TypeVar("E", bound=Enum)

EC2_OPERATIONS = {
    "新規作成": Ec2Operation.RUN,
    "停止": Ec2Operation.STOP,
    "終了": Ec2Operation.TERMINATE,
}
IAM_LISTINGS = {"ポリシー一覧": IamListing.POLICIES, "ユーザー一覧": IamListing.USERS}
PLACES = {"open/": Place.OPEN, "close/": Place.CLOSE, "バケット直下": Place.ROOT}
OBJECT_OPERATIONS = {
    "ダウンロード": ObjectOperation.DOWNLOAD,
    "アップロード": ObjectOperation.UPLOAD,
    "削除": ObjectOperation.DELETE,
}
OTHER_RESOURCES = {
    "すべてのS3バケット一覧": OtherResource.ALL_BUCKETS,
    "EC2インスタンス一覧": OtherResource.INSTANCES,
    "IAMユーザー一覧": OtherResource.IAM_USERS,
}
BUCKETS = {"handson-s3-1": HandsonBucket.ONE, "handson-s3-2": HandsonBucket.TWO}


def word(table: dict[str, E]) -> Callable[[str], E]:
    """A converter for pytest-bdd: the value of a word, or an error that lists the words."""

    def convert(text: str) -> E:
        if text not in table:
            raise ValueError(f"unknown word {text!r}; the features know {', '.join(table)}")
        return table[text]

    return convert
