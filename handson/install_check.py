"""pytest.ini's first plugin: a run whose requirements are not installed, or not in their pinned
versions, is one line in its language before any other plugin imports them
(handson/installed.py)."""

from handson.installed import refuse_if_incomplete

refuse_if_incomplete()
