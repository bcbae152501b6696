from datetime import UTC, datetime, timedelta

import pytest

from referral.core import errors, ratelimit

NOW = datetime(2026, 11, 26, 12, 0, 30, tzinfo=UTC)


def test_the_limit_holds_within_a_window_and_resets_in_the_next():
    for _ in range(3):
        ratelimit.hit("k", limit=3, window=60, now=NOW)

    with pytest.raises(errors.Throttled) as caught:
        ratelimit.hit("k", limit=3, window=60, now=NOW)
    assert caught.value.retry_after == 30
    ratelimit.hit("k", limit=3, window=60, now=NOW + timedelta(seconds=30))


def test_keys_are_counted_apart():
    ratelimit.hit("a", limit=1, window=60, now=NOW)

    ratelimit.hit("b", limit=1, window=60, now=NOW)
    with pytest.raises(errors.Throttled):
        ratelimit.hit("a", limit=1, window=60, now=NOW)


def test_the_error_raised_can_be_chosen():
    ratelimit.hit("budget", limit=1, window=86400, now=NOW, error=errors.SmsBudgetExhausted)

    with pytest.raises(errors.SmsBudgetExhausted) as caught:
        ratelimit.hit("budget", limit=1, window=86400, now=NOW, error=errors.SmsBudgetExhausted)
    assert caught.value.retry_after == 12 * 3600 - 30
