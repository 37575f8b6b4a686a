"""Support code of the handson-iam-acceptance suite: ordinary, unit-tested Python.

Steps in ``steps/`` and fixtures in ``fixtures/`` stay thin and call into this package.
"""

SUITE = "handson-iam-acceptance"
