"""Collects every scenario of the hands-on's checklist (pytest-bdd needs a module that does)."""

from pytest_bdd import scenarios

scenarios("iam_user.feature", "instance_role.feature")
