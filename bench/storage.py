"""How many bytes the history tables of a mechanism take in the database.

Two figures are read for a set of tables (with their indexes):

``row_bytes``
    the bytes of the rows themselves: on SQLite the payload of every cell
    in the tables' and indexes' b-tree pages (``dbstat``), on PostgreSQL the
    sum of ``pg_column_size`` of every live row (indexes not included);
``disk_bytes``
    the pages the tables and their indexes occupy: ``dbstat`` page sizes on
    SQLite, ``pg_total_relation_size`` (TOAST and dead rows included) on
    PostgreSQL. Pages make this coarse for a few hundred edits.
"""

from __future__ import annotations

from django.db import connection

METHODS = {
    "sqlite": {
        "row_bytes": "sum of dbstat payload of the tables and their indexes",
        "disk_bytes": "sum of dbstat page sizes of the tables and their indexes",
        "primary": "row_bytes",
    },
    "postgresql": {
        "row_bytes": "sum of pg_column_size of the live rows (no indexes)",
        "disk_bytes": "sum of pg_total_relation_size (TOAST, indexes, dead rows)",
        "primary": "disk_bytes",
    },
}


def measure(tables: tuple[str, ...]) -> dict[str, int]:
    """Return the row and disk bytes of ``tables`` as they stand now."""
    if not tables:
        return {"row_bytes": 0, "disk_bytes": 0}
    if connection.vendor == "sqlite":
        return _sqlite(tables)
    return _postgresql(tables)


def _sqlite(tables):
    marks = ", ".join("%s" for _ in tables)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT coalesce(sum(payload), 0), coalesce(sum(pgsize), 0) "
            f"FROM dbstat WHERE name IN "
            f"(SELECT name FROM sqlite_master WHERE tbl_name IN ({marks}))",
            tables,
        )
        row_bytes, disk_bytes = cursor.fetchone()
    return {"row_bytes": row_bytes, "disk_bytes": disk_bytes}


def _postgresql(tables):
    row_bytes = disk_bytes = 0
    with connection.cursor() as cursor:
        for table in tables:
            name = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT coalesce(sum(pg_column_size(t.*)), 0), "
                f"pg_total_relation_size(%s::regclass) FROM {name} AS t",
                [table],
            )
            rows, disk = cursor.fetchone()
            row_bytes += rows
            disk_bytes += disk
    return {"row_bytes": int(row_bytes), "disk_bytes": int(disk_bytes)}
