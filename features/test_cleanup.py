"""Collects the clean-up's scenarios (C1-C5), which run only with ``--target existing --cleanup``
(fixtures/cleanup.py leaves this module out of any other run, and the checklist out of that one)."""

from pytest_bdd import scenarios

scenarios("cleanup.feature")
