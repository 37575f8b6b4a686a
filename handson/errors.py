"""Errors the suite reports to a person in one line, without a traceback."""


class SuiteUsageError(Exception):
    """Bad input (an option, a name, a policy file): said before anything is created, in one line
    per problem (a policy file may have several)."""


class EmulatorGap(Exception):
    """The emulator cannot decide this check faithfully; the message names the gap."""
