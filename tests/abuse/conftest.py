from ..accounts.test_admin import staff, staff_client  # noqa: F401 - fixtures shared here
