"""Collects the security lessons' scenarios (P1-P6): advisory, with a table and a tally of their
own below the checkpoints' (fixtures/practices.py), which runs them before the checkpoints."""

from pytest_bdd import scenarios

scenarios("best_practices.feature")
