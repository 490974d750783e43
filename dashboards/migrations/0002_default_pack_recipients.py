from django.db import migrations

# The default: the packs go to the reviewing service's managers.
DEFAULT_ROLE = "reviewing_service_manager"


def default_recipients(apps, schema_editor):
    PackRecipients = apps.get_model("dashboards", "PackRecipients")
    Role = apps.get_model("prp", "Role")
    role = Role.objects.filter(code=DEFAULT_ROLE).first()
    for pack in ("clinic_pack", "themes_report"):
        setting, created = PackRecipients.objects.get_or_create(pack=pack)
        if created and role is not None:
            setting.roles.add(role)


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0001_packs_recipients_and_sendings")]

    operations = [migrations.RunPython(default_recipients, migrations.RunPython.noop)]
