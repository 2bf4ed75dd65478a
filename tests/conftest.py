import pytest

from tests.factories import make_user


@pytest.fixture
def office_user(db):
    """A member of the "Office staff" group."""
    return make_user("office", staff_group=True)


@pytest.fixture
def admin_user(db):
    return make_user("admin", superuser=True)


@pytest.fixture
def office_client(client, office_user):
    client.force_login(office_user)
    return client


@pytest.fixture
def admin_client_logged_in(client, admin_user):
    client.force_login(admin_user)
    return client
