"""The SQL the recorder runs on every change of a car.

Recording sits on the path of every save, so these few statements are
written once, by hand, instead of being compiled by the ORM on each call:
that compilation cost several times more than the statements themselves.
They use only SQL that SQLite and PostgreSQL share (``ON CONFLICT``,
``RETURNING``); ``FOR UPDATE`` is added where the database has it, and on
PostgreSQL the writes of a new version are joined into one statement.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable

from django.db import connections

from garage.models import (
    Car,
    CarHistory,
    CarHistoryHead,
    Collaborator,
    ServiceRecord,
    ServiceRecordState,
)

_HEAD_COLUMNS = (
    "version",
    "state",
    "checkpoint_version",
    "checkpoint_bytes",
    "bytes_since_checkpoint",
)
_ENTRY_COLUMNS = (
    "car_id",
    "version",
    "license_plate",
    "created_at",
    "user_id",
    "reason",
    "kind",
    "source_version",
    "diff",
    "deepdiff_version",
    "snapshot",
)


def _table(model) -> str:
    return model._meta.db_table


def _placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def _json_value(value):
    """Return a JSON column's value as Python data, as text or decoded."""
    return json.loads(value) if isinstance(value, str | bytes) else value


# The car id, then the record as a snapshot holds it; the last column is
# there so that the recorded states can be read in the same statement.
_LIVE_RECORDS = (
    "SELECT r.car_id, r.id, r.service_date, r.description, m.id, m.name, NULL "
    "FROM {records} r JOIN {collaborators} m ON m.id = r.service_manager_id"
)


def _tables() -> dict[str, str]:
    return {
        "records": _table(ServiceRecord),
        "collaborators": _table(Collaborator),
        "records_state": _table(ServiceRecordState),
    }


def _live_record(record_id, day, description, manager_id, name) -> tuple[str, dict]:
    return str(record_id), {
        "id": record_id,
        "service_date": day if isinstance(day, str) else day.isoformat(),
        "description": description,
        "service_manager": {"id": manager_id, "name": name},
    }


class Store:
    """Run the recorder's statements on one database connection."""

    def __init__(self, using: str):
        self.connection = connections[using]
        self.ops = self.connection.ops
        self._cursor = None

    def _json(self, value):
        if value is None:
            return None
        return self.ops.adapt_json_value(value, None)

    def _execute(self, sql: str, params: Iterable):
        # One cursor serves every statement of this store: a unit of work
        # runs several, and opening a cursor costs about a third as much
        # as running a small statement on PostgreSQL.
        if self._cursor is None:
            self._cursor = self.connection.cursor()
        self._cursor.execute(sql, list(params))
        return self._cursor

    def _rows(self, sql: str, params: Iterable) -> list[tuple]:
        return self._execute(sql, params).fetchall()

    def _run(self, sql: str, params: Iterable) -> None:
        self._execute(sql, params)

    def lock_head(self, car_id: int) -> dict | None:
        """Return the car's history head, locked, or None if it has none."""
        lock = " FOR UPDATE" if self.connection.features.has_select_for_update else ""
        rows = self._rows(
            f"SELECT {', '.join(_HEAD_COLUMNS)} FROM {_table(CarHistoryHead)} "
            f"WHERE car_id = %s{lock}",
            [car_id],
        )
        if not rows:
            return None
        head = dict(zip(_HEAD_COLUMNS, rows[0], strict=True))
        head["state"] = _json_value(head["state"])
        return head

    def create_head(self, car_id: int) -> None:
        """Create the car's history head at version 0, unless it exists."""
        columns = ", ".join(_HEAD_COLUMNS)
        self._run(
            f"INSERT INTO {_table(CarHistoryHead)} (car_id, {columns}) "
            f"VALUES (%s, 0, %s, 0, 0, 0) ON CONFLICT (car_id) DO NOTHING",
            [car_id, self._json({})],
        )

    def _head_update(self, head) -> tuple[str, list]:
        """Return the statement writing the head's version and state."""
        return (
            f"UPDATE {_table(CarHistoryHead)} SET version = %s, state = %s, "
            f"checkpoint_version = %s, checkpoint_bytes = %s, "
            f"bytes_since_checkpoint = %s WHERE car_id = %s",
            [
                head.version,
                self._json(head.state),
                head.checkpoint_version,
                head.checkpoint_bytes,
                head.bytes_since_checkpoint,
                head.car_id,
            ],
        )

    def recorded_records(self, car_id: int, record_ids=None) -> list[tuple]:
        """Return (car id, record id, state) of the recorded records.

        With ``record_ids``, those records whichever car holds them;
        otherwise every record recorded for the car.
        """
        sql = f"SELECT car_id, record_id, state FROM {_table(ServiceRecordState)} "
        if record_ids is None:
            rows = self._rows(sql + "WHERE car_id = %s", [car_id])
        elif not record_ids:
            return []
        else:
            ids = list(record_ids)
            where = f"WHERE record_id IN ({_placeholders(len(ids))})"
            rows = self._rows(sql + where, ids)
        return [(car, record, _json_value(state)) for car, record, state in rows]

    def recorded_latest(self, car_id: int) -> tuple[int, dict, dict[str, dict]]:
        """Return the head's version and state, and the recorded records.

        One statement reads them all, so they belong to the same version.
        """
        rows = self._rows(
            f"SELECT version, state, NULL FROM {_table(CarHistoryHead)} "
            f"WHERE car_id = %s UNION ALL "
            f"SELECT NULL, state, record_id FROM {_table(ServiceRecordState)} "
            f"WHERE car_id = %s",
            [car_id, car_id],
        )
        version, state, records = 0, {}, {}
        for row_version, row_state, record_id in rows:
            if record_id is None:
                version, state = row_version, _json_value(row_state)
            else:
                records[str(record_id)] = _json_value(row_state)
        return version, state, records

    def _records_saved(self, car_id: int, states: dict[int, dict]):
        """Return the statement inserting or replacing recorded states."""
        if not states:
            return None
        values = ", ".join(["(%s, %s, %s)"] * len(states))
        params = []
        for record_id, state in states.items():
            params += [car_id, record_id, self._json(state)]
        return (
            f"INSERT INTO {_table(ServiceRecordState)} (car_id, record_id, state) "
            f"VALUES {values} ON CONFLICT (car_id, record_id) "
            f"DO UPDATE SET state = excluded.state",
            params,
        )

    def _records_removed(self, car_id: int, record_ids: list[int]):
        """Return the statement forgetting the recorded state of records."""
        if not record_ids:
            return None
        return (
            f"DELETE FROM {_table(ServiceRecordState)} WHERE car_id = %s "
            f"AND record_id IN ({_placeholders(len(record_ids))})",
            [car_id, *record_ids],
        )

    def live_car(self, car_id: int) -> dict | None:
        """Return the car-level state of the live car, or None if gone."""
        rows = self._rows(
            f"SELECT id, license_plate, model FROM {_table(Car)} WHERE id = %s",
            [car_id],
        )
        if not rows:
            return None
        car, plate, model = rows[0]
        return {"id": car, "license_plate": plate, "model": model}

    def live_records(self, car_id: int, record_ids=None) -> dict[str, dict]:
        """Return the car's live records (or only ``record_ids``) as stored."""
        sql = f"{_LIVE_RECORDS} WHERE r.car_id = %s"
        params = [car_id]
        if record_ids is not None:
            ids = list(record_ids)
            if not ids:
                return {}
            sql += f" AND r.id IN ({_placeholders(len(ids))})"
            params += ids
        rows = self._rows(sql.format(**_tables()), params)
        return dict(_live_record(*row[1:6]) for row in rows)

    def touched_records(self, car_id: int, record_ids) -> tuple[list, dict]:
        """Return the recorded and the live state of the touched records.

        One statement reads both: the recorded rows (car id, record id,
        state), whichever car holds them, and the car's live records.
        """
        ids = list(record_ids)
        marks = _placeholders(len(ids))
        sql = (
            f"{_LIVE_RECORDS} WHERE r.id IN ({marks}) UNION ALL "
            f"SELECT s.car_id, s.record_id, NULL, NULL, NULL, NULL, s.state "
            f"FROM {{records_state}} s WHERE s.record_id IN ({marks})"
        )
        recorded, live = [], {}
        for row in self._rows(sql.format(**_tables()), ids + ids):
            if row[2] is None:
                recorded.append((row[0], row[1], _json_value(row[6])))
            elif row[0] == car_id:
                key, state = _live_record(*row[1:6])
                live[key] = state
        return recorded, live

    def delete_live_records(self, record_ids: list[int]) -> None:
        """Delete service records, without signals: the caller notes them."""
        if record_ids:
            self._run(
                f"DELETE FROM {_table(ServiceRecord)} "
                f"WHERE id IN ({_placeholders(len(record_ids))})",
                record_ids,
            )

    def update_live_records(self, car_id: int, records: list[dict]) -> None:
        """Give service records the values of their snapshot, in this car."""
        if not records:
            return
        with self.connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {_table(ServiceRecord)} SET car_id = %s, "
                f"service_date = %s, description = %s, service_manager_id = %s "
                f"WHERE id = %s",
                [
                    [
                        car_id,
                        self.ops.adapt_datefield_value(
                            datetime.date.fromisoformat(record["service_date"])
                        ),
                        record["description"],
                        record["service_manager"]["id"],
                        record["id"],
                    ]
                    for record in records
                ],
            )

    def _entry_inserted(self, values: dict) -> tuple[str, list]:
        params = [
            self.ops.adapt_datetimefield_value(values["created_at"])
            if column == "created_at"
            else self._json(values[column])
            if column in ("diff", "snapshot")
            else values[column]
            for column in _ENTRY_COLUMNS
        ]
        return (
            f"INSERT INTO {_table(CarHistory)} ({', '.join(_ENTRY_COLUMNS)}) "
            f"VALUES ({_placeholders(len(_ENTRY_COLUMNS))}) RETURNING id",
            params,
        )

    def write_version(
        self, entry: dict, head, removed: list[int], saved: dict[int, dict]
    ) -> CarHistory:
        """Write a new version of one car and return its history entry.

        The version is the entry, the recorded states of the records it
        removed (``removed``) and changed (``saved``), and the head, which
        the caller has already moved to the new version. On PostgreSQL the
        writes go in one statement (data-modifying ``WITH`` clauses), which
        saves a round trip to the server for each; SQLite, in the process,
        runs them one by one.
        """
        inserted = self._entry_inserted(entry)
        others = [
            step
            for step in (
                self._records_removed(head.car_id, removed),
                self._records_saved(head.car_id, saved),
                self._head_update(head),
            )
            if step is not None
        ]
        if self.connection.vendor == "postgresql":
            clauses = [f"entry AS ({inserted[0]})"]
            params = list(inserted[1])
            for number, (sql, step_params) in enumerate(others):
                clauses.append(f"step{number} AS ({sql})")
                params += step_params
            rows = self._rows(f"WITH {', '.join(clauses)} SELECT id FROM entry", params)
        else:
            rows = self._rows(*inserted)
            for sql, step_params in others:
                self._run(sql, step_params)
        created = CarHistory(pk=rows[0][0], **entry)
        created._state.adding = False
        created._state.db = self.connection.alias
        return created
