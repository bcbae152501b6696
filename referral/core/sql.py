"""For the few raw SQL statements on the hot paths (each one's function says why it is raw)."""

from django.db import connection, models


def tables(*of: type[models.Model]) -> list[str]:
    """The tables of models `of`, quoted for raw SQL."""
    return [connection.ops.quote_name(model._meta.db_table) for model in of]
