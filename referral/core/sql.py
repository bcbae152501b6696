"""For the few raw SQL statements on the hot paths (each one's function says why it is raw)."""

from datetime import datetime
from typing import Any

from django.db import connection, models


def tables(*of: type[models.Model]) -> list[str]:
    """The tables of models `of`, quoted for raw SQL."""
    return [connection.ops.quote_name(model._meta.db_table) for model in of]


def moment(value: datetime) -> Any:
    """A datetime as a raw statement's parameter: as the database stores it (SQLite: text)."""
    return connection.ops.adapt_datetimefield_value(value)
