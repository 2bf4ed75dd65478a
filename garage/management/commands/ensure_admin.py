"""Make sure a superuser exists and print how to log in.

The password comes from ``FLEET_ADMIN_PASSWORD``; without it a new random
password is set on every run, so that the one printed always works. A demo
office user, member of the "Office staff" group, gets the same password.
"""

import os
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

OFFICE_USERNAME = "office"
OFFICE_GROUP = "Office staff"


class Command(BaseCommand):
    help = "Create or update the admin superuser and print its login."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Address of the site, used in the printed login lines.",
        )

    def handle(self, *args, base_url, **options):
        username = os.environ.get("FLEET_ADMIN_USER") or "admin"
        password = os.environ.get("FLEET_ADMIN_PASSWORD")
        shown = "(as set in FLEET_ADMIN_PASSWORD)" if password else None
        if not password:
            password = secrets.token_urlsafe(12)
            shown = password
        base_url = base_url.rstrip("/")

        with transaction.atomic():
            self._ensure_superuser(username, password)
            office_ready = self._ensure_office_user(password)

        self.stdout.write(
            f"Admin login: {base_url}/admin/  user: {username}  password: {shown}"
        )
        if office_ready:
            self.stdout.write(
                f"Office login: {base_url}/accounts/login/  "
                f"user: {OFFICE_USERNAME}  password: {shown}"
            )
        else:
            self.stdout.write(
                f'No "{OFFICE_GROUP}" group yet: the office user was not created.'
            )

    def _ensure_superuser(self, username, password):
        user, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        user.is_active = user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()

    def _ensure_office_user(self, password):
        """Make the demo office user; return False without its group."""
        group = Group.objects.filter(name=OFFICE_GROUP).first()
        if group is None:
            return False
        user, _ = get_user_model().objects.get_or_create(
            username=OFFICE_USERNAME,
            defaults={"email": f"{OFFICE_USERNAME}@example.com"},
        )
        user.is_active = True
        user.set_password(password)
        user.save()
        user.groups.add(group)
        return True
