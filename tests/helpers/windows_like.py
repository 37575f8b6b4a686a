"""A plugin for a run of the suite (``-p tests.helpers.windows_like``): ``os.access`` answers as
on Windows from the moment it is loaded, before the suite's own plugins look at any path."""

from __future__ import annotations

import os

from tests.helpers.windows_access import windows_access

os.access = windows_access
