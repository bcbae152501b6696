"""The admin's staff fixtures, shared with the accounts admin tests."""

from ..accounts.test_admin import staff, staff_client  # noqa: F401 - fixtures used here too
