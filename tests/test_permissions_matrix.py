"""Who may open which page, for every staff and admin history URL.

One row per URL says what the office staff group and an administrator get
for a GET and for an empty POST; anonymous users are always sent to log in
and logged-in users without permissions always refused.
"""

from dataclasses import dataclass

import pytest

from django.urls import URLPattern, reverse

from garage import urls as garage_urls
from garage.models import CarHistory
from tests.factories import (
    make_history_world,
    make_user,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "no-permissions", "office-staff", "administrator"]
METHODS = ["get", "post"]
OK, FOUND, NOT_ALLOWED = 200, 302, 405


@dataclass(frozen=True)
class Row:
    """A URL and what the office staff and an administrator get from it."""

    name: str
    args: tuple = ()
    office_get: int = OK
    office_post: int = NOT_ALLOWED
    admin_post: int | None = None  # None: as the office staff
    admin_site: bool = False

    def expected(self, role, method):
        if role == "anonymous" or (self.admin_site and role != "administrator"):
            return FOUND
        if role == "no-permissions":
            return 403
        if method == "get":
            return OK if role == "administrator" else self.office_get
        if role == "administrator" and self.admin_post is not None:
            return self.admin_post
        return self.office_post


TABLE = [
    Row("garage:car-list"),
    Row("garage:car-detail", ("car",)),
    Row("garage:car-create", office_post=OK),
    Row("garage:car-update", ("car",), office_post=OK),
    Row("garage:car-delete", ("car",), office_post=FOUND),
    Row("garage:car-history", ("car",)),
    Row("garage:car-history-compare", ("car",)),
    Row("garage:car-history-as-of", ("car",)),
    Row("garage:car-history-undo", ("car", "version"), office_post=OK),
    Row("garage:car-history-json", ("car",)),
    Row("garage:car-history-csv", ("car",)),
    Row("garage:collaborator-list"),
    Row("garage:collaborator-create", office_post=OK),
    Row("garage:collaborator-update", ("collaborator",), office_post=OK),
    Row("garage:collaborator-delete", ("collaborator",), office_post=FOUND),
    Row(
        "admin:garage_carhistory_revert", ("entry",), admin_post=FOUND, admin_site=True
    ),
    Row(
        "admin:garage_carhistory_restore",
        ("deleted_car",),
        admin_post=FOUND,
        admin_site=True,
    ),
]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world():
    """Return the ids the URLs need: a car with history, a deleted car."""
    car, manager, deleted_id = make_history_world()
    return {
        "car": car.pk,
        "version": 2,
        "collaborator": manager.pk,
        "entry": CarHistory.objects.get(car_id=car.pk, version=1).pk,
        "deleted_car": deleted_id,
    }


def log_in(client, role):
    users = {
        "no-permissions": lambda: make_user("nobody"),
        "office-staff": lambda: make_user("office", staff_group=True),
        "administrator": lambda: make_user("boss", superuser=True),
    }
    if role in users:
        client.force_login(users[role]())


CASES = [
    pytest.param(row, role, method, id=f"{row.name.split(':')[1]}-{role}-{method}")
    for row in TABLE
    for role in ROLES
    for method in METHODS
]


@pytest.mark.parametrize(("row", "role", "method"), CASES)
def test_permission_matrix(client, world, row, role, method):
    url = reverse(row.name, args=[world[arg] for arg in row.args])
    log_in(client, role)

    if method == "get":
        response = client.get(url)
    else:
        # A reason makes the admin's confirmation forms bound, as a browser
        # would send them.
        response = client.post(url, {"reason": "permission matrix"})

    expected = row.expected(role, method)
    assert response.status_code == expected
    if role == "anonymous":
        login = reverse("admin:login") if row.admin_site else reverse("login")
        assert response.url == f"{login}?next={url}"


def test_table_names_every_office_url():
    names = {
        f"garage:{pattern.name}"
        for pattern in garage_urls.urlpatterns
        if isinstance(pattern, URLPattern)
    }

    assert names <= {row.name for row in TABLE}
