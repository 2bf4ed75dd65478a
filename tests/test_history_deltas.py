"""The direct snapshot diff is exactly DeepDiff's, and applies both ways."""

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from garage.history.deltas import (
    apply_backward,
    apply_forward,
    deepdiff_snapshots,
    diff_snapshots,
)
from garage.history.snapshot import without_shared_records

keys = st.one_of(
    st.sampled_from(["id", "model", "service_records", "name", "1", "2", "10"]),
    st.from_regex(r"[A-Za-z0-9_]{1,6}", fullmatch=True),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.text(max_size=20),
    st.text(alphabet="ab\n ", max_size=12),
)
values = st.recursive(
    scalars, lambda children: st.dictionaries(keys, children, max_size=4), max_leaves=12
)
snapshots = st.dictionaries(keys, values, max_size=5)
# Car-shaped snapshots whose records often coincide on both sides.
records = st.one_of(
    st.fixed_dictionaries(
        {
            "id": st.integers(1, 3),
            "description": st.sampled_from(["Oil", "Tyres"]),
            "service_manager": st.fixed_dictionaries(
                {"id": st.integers(1, 2), "name": st.sampled_from(["Ana", "John"])}
            ),
        }
    ),
    values,
)
cars = st.one_of(
    st.just({}),
    st.fixed_dictionaries(
        {
            "id": st.just(1),
            "model": st.sampled_from(["Corolla", "Yaris"]),
            "service_records": st.dictionaries(
                st.sampled_from(["1", "2", "3"]), records, max_size=3
            ),
        }
    ),
)


@settings(max_examples=600, deadline=None)
@given(snapshots, snapshots)
def test_direct_diff_equals_deepdiff(before, after):
    assert diff_snapshots(before, after) == deepdiff_snapshots(before, after)


@settings(max_examples=300, deadline=None)
@given(cars, cars)
def test_records_held_alike_on_both_sides_change_nothing_in_the_diff(before, after):
    left, right = without_shared_records(before, after)
    assert diff_snapshots(left, right) == deepdiff_snapshots(before, after)


@settings(max_examples=200, deadline=None)
@given(snapshots, snapshots)
def test_diff_applies_forwards_and_backwards(before, after):
    diff = diff_snapshots(before, after)
    assert apply_forward(copy.deepcopy(before), copy.deepcopy(diff)) == after
    assert apply_backward(copy.deepcopy(after), copy.deepcopy(diff)) == before


def test_values_outside_json_scalars_are_left_to_deepdiff():
    before, after = {"a": 1.5, "b": [1]}, {"a": 2.5, "b": [2]}
    assert diff_snapshots(before, after) == deepdiff_snapshots(before, after)


def test_keys_with_a_leading_underscore_are_left_to_deepdiff():
    # DeepDiff passes over some of them; the direct walk must not differ.
    for key in ("__", "_x", "__dict__"):
        before, after = {}, {key: None, "a": 1}
        assert diff_snapshots(before, after) == deepdiff_snapshots(before, after)


def test_multiline_text_carries_deepdiffs_line_diff():
    diff = diff_snapshots({"d": "one\ntwo"}, {"d": "one\nthree"})
    assert diff == deepdiff_snapshots({"d": "one\ntwo"}, {"d": "one\nthree"})
    assert "diff" in diff["values_changed"]["root['d']"]
