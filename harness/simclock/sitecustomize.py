"""An accelerated clock for `make abuse-sim`: on PYTHONPATH only in its processes.

With SIM_CLOCK_SPEED set, django.utils.timezone.now() runs SIM_CLOCK_SPEED times as fast
as the wall clock, from SIM_CLOCK_START (sim epoch seconds) at SIM_CLOCK_REAL (wall epoch
seconds). The app takes every "now" from it, so hours of windows, blocks and budgets pass
in minutes. Nothing of the app's code changes.
"""

import os

if os.environ.get("SIM_CLOCK_SPEED"):
    import datetime
    import time

    from django.utils import timezone

    _start = float(os.environ["SIM_CLOCK_START"])
    _real = float(os.environ["SIM_CLOCK_REAL"])
    _speed = float(os.environ["SIM_CLOCK_SPEED"])

    def _now() -> datetime.datetime:
        return datetime.datetime.fromtimestamp(
            _start + (time.time() - _real) * _speed, tz=datetime.UTC
        )

    timezone.now = _now
