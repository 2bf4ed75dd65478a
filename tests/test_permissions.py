"""Who may open the office pages, and what the Office staff group holds."""

import importlib
from types import SimpleNamespace

import pytest

from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse

from tests.factories import make_car, make_collaborator, make_user

pytestmark = pytest.mark.django_db

OFFICE_STAFF_PERMISSIONS = {
    "garage.view_car",
    "garage.add_car",
    "garage.change_car",
    "garage.delete_car",
    "garage.view_servicerecord",
    "garage.add_servicerecord",
    "garage.change_servicerecord",
    "garage.delete_servicerecord",
    "garage.view_collaborator",
    "garage.add_collaborator",
    "garage.change_collaborator",
    "garage.delete_collaborator",
    "garage.view_carhistory",
    "garage.undo_car_change",
}


@pytest.fixture
def staff_urls():
    """Return every office URL, with the permission each one needs."""
    car, collaborator = make_car(), make_collaborator()
    return {
        reverse("garage:car-list"): "garage.view_car",
        reverse("garage:car-detail", args=[car.pk]): "garage.view_car",
        reverse("garage:car-create"): "garage.add_car",
        reverse("garage:car-update", args=[car.pk]): "garage.change_car",
        reverse("garage:car-delete", args=[car.pk]): "garage.delete_car",
        reverse("garage:collaborator-list"): "garage.view_collaborator",
        reverse("garage:collaborator-create"): "garage.add_collaborator",
        reverse(
            "garage:collaborator-update", args=[collaborator.pk]
        ): "garage.change_collaborator",
        reverse(
            "garage:collaborator-delete", args=[collaborator.pk]
        ): "garage.delete_collaborator",
    }


def test_anonymous_users_are_sent_to_log_in_from_every_page(client, staff_urls):
    for url in staff_urls:
        for method in (client.get, client.post):
            response = method(url)

            assert response.status_code == 302, url
            assert response.url == f"{reverse('login')}?next={url}"


def test_users_without_permissions_are_refused_every_page(client, staff_urls):
    client.force_login(make_user())

    for url in staff_urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url).status_code == 403, url


def test_a_refused_page_explains_itself_in_the_site_layout(client, staff_urls):
    client.force_login(make_user())

    response = client.get(reverse("garage:car-list"))

    assert response.status_code == 403
    assert "You are not allowed to do this" in response.content.decode()
    assert "vendor/bootstrap/bootstrap.min.css" in response.content.decode()


def test_a_view_permission_does_not_open_the_write_pages(client, staff_urls):
    client.force_login(make_user(perms=["garage.view_car"]))

    opened = {url for url in staff_urls if client.get(url).status_code == 200}

    expected = {url for url, perm in staff_urls.items() if perm == "garage.view_car"}
    assert opened == expected
    assert len(opened) == 2


def test_office_staff_open_every_page(office_client, staff_urls):
    for url in staff_urls:
        assert office_client.get(url).status_code == 200, url


def test_office_staff_group_holds_exactly_the_office_permissions():
    group = Group.objects.get(name="Office staff")

    held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}

    assert held == OFFICE_STAFF_PERMISSIONS


def test_office_staff_may_not_revert_or_restore(office_user):
    assert office_user.has_perm("garage.undo_car_change")
    assert not office_user.has_perm("garage.revert_car")
    assert not office_user.has_perm("garage.restore_car")


def test_group_migration_can_be_undone_and_redone():
    migration = importlib.import_module("garage.migrations.0002_office_staff_group")

    # The migration functions only read the connection from the editor.
    schema_editor = SimpleNamespace(connection=connection)

    migration.delete_office_staff_group(apps, schema_editor)
    assert not Group.objects.filter(name="Office staff").exists()
    migration.create_office_staff_group(apps, schema_editor)

    group = Group.objects.get(name="Office staff")
    assert group.permissions.count() == len(OFFICE_STAFF_PERMISSIONS)
