"""Generated bad input never breaks a form: no 500, a field error, no write.

Every form and action of the office pages and the history admin is posted
with generated values: tampered ids and versions, empty and 10,000-character
strings, right-to-left marks, zero-width spaces, emoji, NUL characters
(which PostgreSQL refuses in text) and impossible dates. Each example runs
in its own transaction, rolled back afterwards.

``FLEET_FUZZ_EXAMPLES`` sets the number of examples per endpoint: 1000 by
default; CI's PostgreSQL run, which repeats what SQLite already covered,
uses fewer (see docs/operations.md for the runtimes).
"""

import os
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from garage import history
from garage.forms import ServiceRecordFormSet
from garage.history.units import recording
from garage.models import Car, CarHistory, Collaborator, ServiceRecord
from scripts.load import form_fields
from tests.factories import make_car, make_collaborator, make_record, make_user

EXAMPLES = int(os.environ.get("FLEET_FUZZ_EXAMPLES", "1000"))
# Django's own max_num: a tampered row count must not build more rows.
MAX_ROWS = 1000
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ODD_TEXT = [
    "",
    " ",
    "\x00",
    "Oil\x00change",
    "\u202eRTL override\u202c",
    "\u05e9\u05de\u05df \u0645\u0631\u062d\u0628\u0627",
    "zero\u200bwidth\u200d",
    "\ufeffBOM",
    "🚗🔧👩🏽‍🔧",
    "A" * 10_000,
    "é" * 10_000,
    "<script>alert(1)</script>",
    "'; DROP TABLE garage_car; --",
    "%00%0d%0a",
    "\r\n\t",
]
IMPOSSIBLE_DATES = [
    "2025-02-30",
    "2025-13-01",
    "2025-00-10",
    "99999-01-01",
    "0000-01-01",
    "-2025-01-01",
    "2025-1-1\x00",
    "30/02/2025",
    "tomorrow",
]
ODD_NUMBERS = [
    "",
    "0",
    "-1",
    "1.5",
    "1e3",
    "٣",
    "9" * 30,
    str(2**63),
    str(-(2**63) - 1),
    "0x10",
    " 1 ",
]


def hostile_text():
    """Return a strategy of strings a careless or hostile user might send."""
    return st.one_of(
        st.text(max_size=40),
        st.sampled_from(ODD_TEXT),
        # A form posts UTF-8, in which a lone surrogate cannot be written.
        st.builds(
            lambda c, n: c * n,
            st.characters(codec="utf-8"),
            st.integers(9_000, 10_500),
        ),
    )


def dates():
    return st.one_of(
        st.dates().map(lambda day: day.isoformat()),
        st.sampled_from(IMPOSSIBLE_DATES),
        hostile_text(),
    )


def numbers(*known):
    """Return a strategy of id-like strings, ``known`` ids among them."""
    return st.one_of(
        st.integers(-(2**70), 2**70).map(str),
        st.sampled_from(ODD_NUMBERS),
        st.sampled_from([str(value) for value in known] or ["1"]),
        hostile_text(),
    )


def form_data(response):
    data = form_fields(response.content.decode())
    data.pop("csrfmiddlewaretoken", None)
    return data


def row_counts():
    return (
        Car.objects.count(),
        ServiceRecord.objects.count(),
        Collaborator.objects.count(),
        CarHistory.objects.count(),
    )


def shows_an_error(response):
    """Return whether the page tells the user what was wrong."""
    context = response.context
    form = context.get("form")
    formset = context.get("formset")
    return bool(
        (form is not None and form.errors)
        or (formset is not None and formset.total_error_count())
        or context.get("error")
        or context.get("refusal")
        or context.get("stale")
    )


def tampered(base, overrides):
    """Return ``base`` with generated values put in or keys left out."""
    data = dict(base)
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


class FuzzTestCase(TestCase):
    """Log in an administrator over a car with records and history."""

    @classmethod
    def setUpTestData(cls):
        cls.user = make_user("fuzzer", staff_group=True)
        cls.user.is_superuser = cls.user.is_staff = True
        cls.user.save()
        cls.manager = make_collaborator("John Doe")
        cls.other_manager = make_collaborator("Ana Silva")
        with recording():
            cls.car = make_car("ABC123", "Toyota Corolla")
            cls.record = make_record(cls.car, cls.manager)
            make_record(cls.car, cls.other_manager, description="Brake pads")
        cls.car.model = "Toyota Yaris"
        cls.car.save()
        cls.other_car = make_car("XYZ789")
        cls.foreign_record = make_record(cls.other_car, cls.manager)
        cls.gone_id = make_car("GONE1").pk
        Car.objects.get(pk=cls.gone_id).delete()

    def setUp(self):
        self.client = Client(raise_request_exception=False)
        self.client.force_login(User.objects.get(pk=self.user.pk))
        # Read once: every example is rolled back, so the forms stay valid.
        self.create_url = reverse("garage:car-create")
        self.update_url = reverse("garage:car-update", args=[self.car.pk])
        self.create_data = form_data(self.client.get(self.create_url))
        self.update_data = form_data(self.client.get(self.update_url))

    def known_ids(self):
        return (
            self.car.pk,
            self.other_car.pk,
            self.gone_id,
            self.record.pk,
            self.foreign_record.pk,
            self.manager.pk,
        )

    def post_form(self, url, data):
        """Post ``data``; check it saved everything or nothing, never a 500."""
        before = row_counts()
        response = self.client.post(url, data)

        self.assertNotEqual(response.status_code, 500, data)
        if response.status_code == 200:
            self.assertEqual(row_counts(), before)
            self.assertTrue(shows_an_error(response), data)
        else:
            self.assertEqual(response.status_code, 302)
        return response

    def assert_history_clean(self, *car_ids):
        for car_id in car_ids:
            self.assertEqual(history.verify_car(car_id), [])


def record_rows(count, ids):
    """Return a strategy of overrides for the first ``count`` record rows."""
    fields = {}
    for index in range(count):
        prefix = f"records-{index}-"
        fields[prefix + "service_date"] = dates()
        fields[prefix + "description"] = hostile_text()
        fields[prefix + "service_manager"] = numbers(*ids)
        fields[prefix + "id"] = numbers(*ids)
        fields[prefix + "car"] = numbers(*ids)
        fields[prefix + "DELETE"] = st.sampled_from(["on", "", "yes", "\x00"])
    return optional(fields)


def optional(strategies):
    """Return overrides: each key kept, replaced or left out by chance."""
    return st.fixed_dictionaries(
        {},
        optional={
            key: st.one_of(st.none(), strategy) for key, strategy in strategies.items()
        },
    )


def management():
    small = st.sampled_from(["0", "1", "2", "3", "4", "-1", "", "x", "\x00", "1.0"])
    return optional(
        {
            "records-TOTAL_FORMS": small,
            "records-INITIAL_FORMS": small,
            "records-MIN_NUM_FORMS": small,
            "records-MAX_NUM_FORMS": small,
        }
    )


def car_fields():
    return optional(
        {
            "license_plate": st.one_of(hostile_text(), st.sampled_from(["xyz-789"])),
            "model": hostile_text(),
            "reason": hostile_text(),
            "history_version": numbers(0, 1, 2, 3, 4),
        }
    )


class TestCarForms(FuzzTestCase):
    @fuzz
    @given(data=st.data())
    def test_car_create_survives_any_input(self, data):
        ids = self.known_ids()
        overrides = {
            **data.draw(car_fields()),
            **data.draw(management()),
            **data.draw(record_rows(3, ids)),
        }

        response = self.post_form(
            self.create_url, tampered(self.create_data, overrides)
        )

        if response.status_code == 302:
            car = Car.objects.latest("pk")
            self.assertEqual(car.license_plate, car.license_plate.upper())
            self.assert_history_clean(car.pk)

    @fuzz
    @given(data=st.data())
    def test_car_update_survives_any_input(self, data):
        ids = self.known_ids()
        overrides = {
            **data.draw(car_fields()),
            **data.draw(management()),
            **data.draw(record_rows(4, ids)),
        }

        response = self.post_form(
            self.update_url, tampered(self.update_data, overrides)
        )

        if response.status_code == 302:
            self.assert_history_clean(self.car.pk, self.other_car.pk)
            self.assertEqual(self.foreign_record.car_id, self.other_car.pk)
            self.assertTrue(ServiceRecord.objects.filter(pk=self.foreign_record.pk))

    def test_a_huge_form_count_does_not_build_thousands_of_rows(self):
        data = tampered(self.create_data, {"records-TOTAL_FORMS": "9" * 30})

        # Built without a request: posting it would take tens of seconds.
        formset = ServiceRecordFormSet(data=data, instance=Car(), prefix="records")

        self.assertLessEqual(formset.total_form_count(), MAX_ROWS)


class TestCollaboratorForms(FuzzTestCase):
    @fuzz
    @given(name=hostile_text())
    def test_collaborator_create_survives_any_name(self, name):
        response = self.post_form(reverse("garage:collaborator-create"), {"name": name})

        if response.status_code == 302:
            saved = Collaborator.objects.latest("pk").name
            self.assertEqual(saved, name.strip())

    @fuzz
    @given(name=hostile_text())
    def test_collaborator_rename_survives_any_name(self, name):
        url = reverse("garage:collaborator-update", args=[self.manager.pk])

        response = self.post_form(url, {"name": name})

        if response.status_code == 302:
            self.assert_history_clean(self.car.pk, self.other_car.pk)


class TestHistoryActions(FuzzTestCase):
    @fuzz
    @given(
        version=st.integers(0, 2**70),
        reason=hostile_text(),
        previewed=st.one_of(st.none(), numbers(0, 1, 2, 3)),
    )
    def test_undo_survives_any_version_and_reason(self, version, reason, previewed):
        url = reverse("garage:car-history-undo", args=[self.car.pk, version])
        data = tampered({"reason": reason}, {"previewed_version": previewed})
        before = row_counts()

        response = self.client.post(url, data)

        self.assertIn(response.status_code, (200, 302, 404))
        if response.status_code != 302:
            self.assertEqual(row_counts(), before)
        self.assert_history_clean(self.car.pk)

    @fuzz
    @given(
        car_id=st.one_of(st.integers(0, 2**70), st.sampled_from([1, 2, 3])),
        query=st.dictionaries(
            st.sampled_from(["a", "b", "version", "at", "page", "q"]),
            st.one_of(numbers(0, 1, 2, 3), dates()),
        ),
        name=st.sampled_from(
            [
                "car-history",
                "car-history-compare",
                "car-history-as-of",
                "car-history-json",
                "car-history-csv",
                "car-detail",
                "car-list",
                "collaborator-list",
            ]
        ),
    )
    def test_pages_and_exports_survive_any_query(self, car_id, query, name):
        args = [] if name.endswith("-list") else [car_id]
        url = reverse(f"garage:{name}", args=args)

        response = self.client.get(url, query)

        self.assertIn(response.status_code, (200, 404), (url, query))

    @fuzz
    @given(
        entry=st.one_of(st.integers(0, 2**70).map(str), hostile_text()),
        reason=hostile_text(),
    )
    def test_admin_revert_survives_any_entry_and_reason(self, entry, reason):
        changelist = reverse("admin:garage_carhistory_changelist")
        url = f"{changelist}{quote(entry, safe='') or '0'}/revert/"
        before = row_counts()

        response = self.client.post(url, {"reason": reason})

        # 404: an id with a line break matches no URL at all.
        self.assertIn(response.status_code, (200, 302, 404), (url, reason))
        if response.status_code == 200:
            self.assertEqual(row_counts(), before)
            self.assertTrue(response.context["form"].errors)
        self.assert_history_clean(self.car.pk)

    def test_admin_restore_of_a_car_without_history_redirects(self):
        url = reverse("admin:garage_carhistory_restore", args=[987654])

        for response in (self.client.get(url), self.client.post(url)):
            self.assertEqual(response.status_code, 302)

    @fuzz
    @given(car=st.sampled_from(["gone_id", "car", "other_car"]), reason=hostile_text())
    def test_admin_restore_survives_any_reason(self, car, reason):
        car_id = getattr(self, car)
        car_id = getattr(car_id, "pk", car_id)
        url = reverse("admin:garage_carhistory_restore", args=[car_id])
        before = row_counts()

        response = self.client.post(url, {"reason": reason})

        self.assertIn(response.status_code, (200, 302), (url, reason))
        if response.status_code == 200:
            self.assertEqual(row_counts(), before)
            self.assertTrue(response.context["form"].errors)
        if Car.objects.filter(pk=self.gone_id).exists():
            self.assert_history_clean(self.gone_id)

    @fuzz
    @given(car_id=st.integers(0, 2**70), collaborator_id=st.integers(0, 2**70))
    def test_deletes_survive_any_id(self, car_id, collaborator_id):
        for url in (
            reverse("garage:car-delete", args=[car_id]),
            reverse("garage:collaborator-delete", args=[collaborator_id]),
        ):
            response = self.client.post(url)

            self.assertIn(response.status_code, (302, 404), url)
