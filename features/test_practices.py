"""Collects the security lessons' scenarios (P1-P6): advisory, with a table and a tally of their
own below the checkpoints' (fixtures/practices.py). Named to run after the checklist."""

from pytest_bdd import scenarios

scenarios("best_practices.feature")
