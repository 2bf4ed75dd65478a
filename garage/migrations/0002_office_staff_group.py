"""Create the "Office staff" group with what the office pages need."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Office staff"

OFFICE_STAFF_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("car", "servicerecord", "collaborator")
    for action in ("view", "add", "change", "delete")
] + ["view_carhistory", "undo_car_change"]


def create_office_staff_group(apps, schema_editor):
    """Create the group, making sure the permissions it needs exist."""
    using = schema_editor.connection.alias
    # Permissions are normally made after the whole migrate run, too late
    # for this migration on a fresh database.
    for label in ("contenttypes", "auth", "garage"):
        create_permissions(
            global_apps.get_app_config(label), verbosity=0, using=using, apps=apps
        )

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(using).filter(
        content_type__app_label="garage", codename__in=OFFICE_STAFF_PERMISSIONS
    )
    group, _ = Group.objects.using(using).get_or_create(name=GROUP_NAME)
    group.permissions.set(permissions)


def delete_office_staff_group(apps, schema_editor):
    """Delete the group; its members simply lose it."""
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("garage", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_office_staff_group, delete_office_staff_group),
    ]
