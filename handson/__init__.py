"""Support code of the handson-iam-acceptance suite: ordinary, unit-tested Python.

Steps in ``steps/`` and fixtures in ``fixtures/`` stay thin and call into this package. Every
process of the suite imports this package first, which sets Python's cycle collector for it
(handson/collector.py).
"""

from handson.collector import fewer_collections

fewer_collections()

SUITE = "handson-iam-acceptance"
