"""Typed changes read from stored diffs (no database needed)."""

from garage.history import changes_from_diff, diff_snapshots, summarize
from garage.history.revert import find_conflicts


def record(record_id, date="2025-05-05", text="Oil change", manager=(1, "John Doe")):
    return {
        "id": record_id,
        "service_date": date,
        "description": text,
        "service_manager": {"id": manager[0], "name": manager[1]},
    }


def car(model="Toyota Corolla", **records):
    return {
        "id": 1,
        "license_plate": "ABC123",
        "model": model,
        "service_records": dict(records),
    }


def texts(before, after):
    return [c.text for c in changes_from_diff(diff_snapshots(before, after), before)]


def test_field_change_is_worded_with_old_and_new_value():
    assert texts(car(), car(model="Toyota Yaris")) == [
        "Model: Toyota Corolla → Toyota Yaris"
    ]


def test_record_field_change_names_the_record_as_it_was():
    before = car(**{"7": record(7)})
    after = car(**{"7": record(7, date="2027-07-07")})
    assert texts(before, after) == [
        "Service of 5 May 2025 (Oil change): date 5 May 2025 → 7 July 2027"
    ]


def test_added_and_removed_records_name_their_manager():
    before = car(**{"1": record(1)})
    after = car(**{"2": record(2, "2026-01-12", "Brake pads", (2, "Ana Silva"))})
    assert texts(before, after) == [
        "Removed service of 5 May 2025 (Oil change), managed by John Doe",
        "Added service of 12 January 2026 (Brake pads), managed by Ana Silva",
    ]


def test_manager_switch_is_one_change_with_both_names():
    before = car(**{"1": record(1)})
    after = car(**{"1": record(1, manager=(2, "Ana Silva"))})
    (change,) = changes_from_diff(diff_snapshots(before, after), before)
    assert change.field == "service_manager"
    assert change.text == (
        "Manager of the service of 5 May 2025 (Oil change): John Doe → Ana Silva"
    )


def test_first_version_lists_the_fields_and_records_it_created():
    kinds = [
        c.kind for c in changes_from_diff(diff_snapshots({}, car(**{"1": record(1)})))
    ]
    assert kinds == ["field", "field", "added"]


def test_summary_keeps_the_first_changes_and_counts_the_rest():
    before = car()
    after = car(model="X", **{str(n): record(n) for n in range(5)})
    assert summarize(changes_from_diff(diff_snapshots(before, after), before)).endswith(
        "and 3 more"
    )


def test_conflicts_list_values_changed_since_and_records_deleted_since():
    v1 = car(**{"1": record(1), "2": record(2)})
    v2 = car(model="Yaris", **{"1": record(1, text="Tyres"), "2": record(2, text="X")})
    diff = diff_snapshots(v1, v2)
    now = car(model="Golf", **{"1": record(1, text="Tyres")})
    conflicts = find_conflicts(diff, now)
    assert [(c.field, c.left, c.now) for c in conflicts] == [
        ("Model", "Yaris", "Golf"),
        ("description", "X", "removed since"),
    ]


def test_a_change_keeps_its_record_as_it_was_when_the_snapshot_moves_on():
    before = car(**{"1": record(1)})
    after = car(**{"1": record(1, date="2027-07-07")})
    (change,) = changes_from_diff(diff_snapshots(before, after), before)
    before["service_records"]["1"]["description"] = "Changed later"
    assert change.label == "Service of 5 May 2025 (Oil change)"
