"""What the teardown calls each thing it removes, in the run's language: the lines of ``--keep``,
of a teardown that failed, and of the log. English reads as it always has (the test plugins
match its words); the kinds are Kind's words (handson/lifecycle/order.py)."""

from __future__ import annotations

from handson.i18n import t
from handson.lifecycle.order import Kind


def named(kind: str, name: str) -> str:
    """A resource of one of the kinds the sweeper knows, by its name (or ID)."""
    known = kind in Kind.__members__.values()
    return t("undo.named", kind=Kind(kind).in_words() if known else kind, name=name)


def attachment(policy: str, to: str) -> str:
    return t("undo.attachment", policy=policy, to=to)


def access_key(key_id: str, user: str) -> str:
    return t("undo.access_key", key_id=key_id, user=user)


def temporary_key(key_id: str, user: str) -> str:
    return t("undo.temporary_key", key_id=key_id, user=user)


def login_profile(user: str) -> str:
    return t("undo.login_profile", user=user)


def role_in_profile(role: str, profile: str) -> str:
    return t("undo.role_in_profile", role=role, profile=profile)


def recorded_object(bucket: str, key: str) -> str:
    """An object a --live run wrote, as its record names it for the sweeper."""
    return t("undo.recorded_object", url=f"s3://{bucket}/{key}")


def runs_object(bucket: str, key: str) -> str:
    return t("undo.object", url=f"s3://{bucket}/{key}")
