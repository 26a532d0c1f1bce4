from django.db import migrations

ROLE_NAMES = [
    "citizen",
    "window_clerk",
    "reviewer",
    "approver",
    "dept_head",
    "inspector",
    "catalogue_admin",
    "law_enforcer",
]


def create_role_groups(apps, schema_editor):
    # The groups' permissions are set after every migration by portal.roles, which knows the
    # permissions of apps that migrate later than this one.
    Group = apps.get_model("auth", "Group")
    for name in ROLE_NAMES:
        Group.objects.using(schema_editor.connection.alias).get_or_create(name=name)


def delete_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=ROLE_NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_role_groups, delete_role_groups)]
