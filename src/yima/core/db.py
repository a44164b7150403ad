"""Database helpers shared by the bulk writers (ledger import, demo generator)."""

from django.db import connection


def reserve_ids(model, count: int) -> list[int]:
    """Ids for `count` new rows of `model`, taken before inserting them, so history and child
    rows need no query to find them. PostgreSQL: from the table's id sequence. SQLite: one
    range after the largest id ever issued; callers hold the write lock (transactions begin
    IMMEDIATE), so no one else can take them meanwhile."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quoted = connection.ops.quote_name(table)
        cursor.execute(
            f"SELECT max(coalesce((SELECT max(id) FROM {quoted}), 0), "
            "coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        (last,) = cursor.fetchone()
    return list(range(last + 1, last + 1 + count))
