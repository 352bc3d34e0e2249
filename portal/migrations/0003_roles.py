"""The staff roles as groups. Apps add their own model permissions to these groups later."""

from django.db import migrations

ROLES = ["reporter", "investigator", "supervisor", "release_officer", "auditor", "admin"]

GROUP_PERMISSIONS = {
    "admin": [
        ("auth", "user", ["add", "change", "view"]),
        ("auth", "group", ["view"]),
    ],
    "auditor": [("portal", "auditevent", ["view"])],
}
CUSTOM = {"auditor": [("portal", "view_audit_trail"), ("portal", "export_audit_trail")]}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; create them now so the groups
    # can be given theirs (the flag tells create_permissions the app has models).
    for app_config in apps.get_app_configs():
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = original

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        perms = []
        for app_label, model, actions in GROUP_PERMISSIONS.get(name, []):
            perms += list(
                Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=[f"{a}_{model}" for a in actions]
                )
            )
        for app_label, codename in CUSTOM.get(name, []):
            perms += list(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.add(*perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0002_audit_append_only"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]
