from django.db import migrations

from prp.models import RoleCode


def add_roles(apps, schema_editor):
    Role = apps.get_model("prp", "Role")
    for code in RoleCode.values:
        Role.objects.get_or_create(code=code)


class Migration(migrations.Migration):
    dependencies = [("prp", "0001_initial")]

    operations = [migrations.RunPython(add_roles, migrations.RunPython.noop)]
