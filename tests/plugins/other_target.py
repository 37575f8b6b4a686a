"""Test-only plugin: one more target, ``--target other``, registered from this module alone
(issue 17: adding a target is adding a module). It is the embedded emulator answering as another
account, 210987654321, so that nothing of the run may assume the emulator's usual account.

    pytest features/ -p tests.plugins.other_target --target other
"""

from __future__ import annotations

from handson.targets.emulator import emulator_kind
from handson.targets.registry import register

OTHER_ACCOUNT_ID = "210987654321"

OTHER = register(emulator_kind("other", account_id=OTHER_ACCOUNT_ID), __name__)
