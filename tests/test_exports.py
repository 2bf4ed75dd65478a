"""JSON and CSV downloads of a car's whole history."""

import csv
import datetime
import io
import json

import pytest

from django.urls import reverse

from garage import exports, history
from garage.history.units import recording
from garage.models import CarHistory
from tests.factories import make_car, make_collaborator, make_record

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


def make_story(user=None):
    """Return a car with a field change, records added, edited and removed."""
    john = make_collaborator("John Doe")
    ana = make_collaborator("Ana Silva")
    with recording(user=user, reason="New customer"):
        car = make_car("ABC123", "Toyota Corolla")
        oil = make_record(car, john, datetime.date(2025, 5, 5), "Oil change")
    car.model = "Toyota Yaris"
    car.save()
    brakes = make_record(car, ana, datetime.date(2026, 1, 12), "Brake pads")
    with recording():
        oil.service_date = datetime.date(2027, 7, 7)
        oil.service_manager = ana
        oil.save()
        brakes.delete()
    return car


def download(client, name, car_id):
    return client.get(reverse(f"garage:{name}", args=[car_id]))


def rebuilt(car_id):
    """Return every version's snapshot as the history engine rebuilds it."""
    latest = history.latest_version(car_id)
    return [history.snapshot_at(car_id, v) for v in range(1, latest + 1)]


class TestJson:
    def test_parses_back_to_every_rebuilt_version(self, office_client, office_user):
        car = make_story(user=office_user)
        response = download(office_client, "car-history-json", car.pk)
        document = json.loads(response.content)

        assert document["car_id"] == car.pk
        versions = document["versions"]
        assert [v["snapshot"] for v in versions] == rebuilt(car.pk)
        entries = CarHistory.objects.for_car(car).order_by("version")
        assert [v["change"] for v in versions] == [e.diff for e in entries]
        first = versions[0]
        assert first["version"] == 1
        assert first["user"] == "office"
        assert first["reason"] == "New customer"
        assert first["kind"] == "created"
        assert first["source_version"] is None
        assert datetime.datetime.fromisoformat(first["created_at"]) == (
            entries[0].created_at
        )
        assert versions[1]["user"] is None

    def test_lists_the_readable_changes_of_each_version(self, office_client):
        car = make_story()
        versions = json.loads(
            download(office_client, "car-history-json", car.pk).content
        )["versions"]
        assert versions[1]["changes"] == ["Model: Toyota Corolla → Toyota Yaris"]
        assert versions[3]["changes"] == [
            "Removed service of 12 January 2026 (Brake pads), managed by Ana Silva",
            "Service of 5 May 2025 (Oil change): date 5 May 2025 → 7 July 2027",
            "Manager of the service of 5 May 2025 (Oil change): John Doe → Ana Silva",
        ]

    def test_is_an_attachment_named_after_the_plate(self, office_client):
        car = make_story()
        response = download(office_client, "car-history-json", car.pk)
        assert response["Content-Type"].startswith("application/json")
        assert response["Content-Disposition"] == (
            f'attachment; filename="car-{car.pk}-ABC123-history.json"'
        )

    def test_keeps_markup_escaped_yet_parses_back_to_it(self, office_client):
        car = make_car("ABC123", f"Fiat {SCRIPT}")
        make_record(car, make_collaborator(SCRIPT), description="<b>x</b>")
        response = download(office_client, "car-history-json", car.pk)
        assert b"<script>" not in response.content
        assert b"<b>" not in response.content
        snapshot = json.loads(response.content)["versions"][-1]["snapshot"]
        assert snapshot == history.live_snapshot(car.pk)
        assert snapshot["model"] == f"Fiat {SCRIPT}"

    @pytest.mark.parametrize("count", [2, 30])
    def test_replays_the_history_once_whatever_its_length(
        self, office_client, django_assert_num_queries, count
    ):
        car = make_car("ABC123")
        for number in range(count - 1):
            car.model = f"Model {number}"
            car.save()
        # Session, user, permissions (2), car, then all entries at once.
        with django_assert_num_queries(6):
            response = download(office_client, "car-history-json", car.pk)
        assert len(json.loads(response.content)["versions"]) == count

    def test_deleted_car_can_still_be_exported(self, office_client):
        car = make_story()
        car_id = car.pk
        car.delete()
        response = download(office_client, "car-history-json", car_id)
        versions = json.loads(response.content)["versions"]
        assert versions[-1]["kind"] == "deleted"
        assert versions[-1]["snapshot"] == {}
        assert "ABC123" in response["Content-Disposition"]


def read_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def unquote(value):
    """Return a cell as written before it was guarded against formulas."""
    if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@"):
        return value[1:]
    return value


def replay_csv(rows):
    """Return the snapshot of every version replayed from the CSV rows.

    Managers are named by their name only, as the CSV writes them.
    """
    header, *rows = rows
    snapshots, current = {}, {}
    for cells in rows:
        row = dict(zip(header, map(unquote, cells), strict=True))
        version = int(row["version"])
        apply_row(current, row)
        snapshots[version] = json.loads(json.dumps(current))
    return [snapshots[version] for version in sorted(snapshots)]


def apply_row(current, row):
    records = current.setdefault("records", {})
    field, new = row["field"], row["new_value"]
    if row["change"] == "field":
        current[field] = new
    elif row["change"] == "removed":
        records.pop(row["record_id"], None)
    elif row["change"] in ("added", "record_field"):
        records.setdefault(row["record_id"], {})[field] = new


def readable(snapshot):
    """Return a rebuilt snapshot as the CSV can express it."""
    return {
        "license_plate": snapshot.get("license_plate", ""),
        "model": snapshot.get("model", ""),
        "records": {
            key: {
                "service_date": record["service_date"],
                "description": record["description"],
                "service_manager": record["service_manager"]["name"],
            }
            for key, record in snapshot.get("service_records", {}).items()
        },
    }


class TestCsv:
    def test_parses_back_to_every_rebuilt_version(self, office_client):
        car = make_story()
        response = download(office_client, "car-history-csv", car.pk)
        rows = read_csv(response)
        assert rows[0] == exports.CSV_HEADER
        assert replay_csv(rows) == [readable(s) for s in rebuilt(car.pk)]

    def test_writes_one_row_per_changed_value(self, office_client):
        car = make_story()
        rows = read_csv(download(office_client, "car-history-csv", car.pk))[1:]
        second = [row for row in rows if row[0] == "2"]
        assert [row[5:] for row in second] == [
            ["field", "", "", "model", "Toyota Corolla", "Toyota Yaris"]
        ]
        manager = [row for row in rows if row[0] == "4" and row[5] == "record_field"][
            -1
        ]
        assert manager[5:] == [
            "record_field",
            manager[6],
            "Service of 5 May 2025 (Oil change)",
            "service_manager",
            "John Doe",
            "Ana Silva",
        ]
        assert rows[0][4] == "New customer"

    def test_guards_against_spreadsheet_formulas(self, office_client):
        car = make_car("ABC123", '=HYPERLINK("http://x")')
        make_record(car, make_collaborator("@SUM(A1)"), description="+1-2")
        car.model = "-5"
        car.save()
        rows = read_csv(download(office_client, "car-history-csv", car.pk))[1:]
        cells = [cell for row in rows for cell in row]
        assert '\'=HYPERLINK("http://x")' in cells
        assert "'@SUM(A1)" in cells
        assert "'+1-2" in cells
        assert "'-5" in cells
        assert not any(cell[:1] in "=+-@" for cell in cells if cell)

    def test_keeps_markup_as_plain_text(self, office_client):
        car = make_car("ABC123", f"Fiat {SCRIPT}")
        rows = read_csv(download(office_client, "car-history-csv", car.pk))[1:]
        assert f"Fiat {SCRIPT}" in [row[10] for row in rows]

    def test_is_an_attachment_named_after_the_plate(self, office_client):
        car = make_story()
        response = download(office_client, "car-history-csv", car.pk)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == (
            f'attachment; filename="car-{car.pk}-ABC123-history.csv"'
        )


def test_safe_cell_leaves_numbers_and_plain_text_alone():
    assert exports.safe_cell(5) == 5
    assert exports.safe_cell("Oil change") == "Oil change"
    assert exports.safe_cell("\tx") == "'\tx"
