"""Cumbria's informal write-up is due within 3 days of the review that prompted it (seed 002).

Set on every Cumbria preset version no concern uses; a version in use never changes (issue 14
rule 15): copy it in the admin to take the new setting.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    Protocol = apps.get_model("prp", "Protocol")
    Concern = apps.get_model("escalations", "Concern")
    used = Concern.objects.values("protocol_id")
    Protocol.objects.filter(
        authority="Cumbria", name="Outcome Resolution", write_up_days__isnull=True
    ).exclude(pk__in=used).update(write_up_days=3)


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0008_presets_issue_14"),
        ("prp", "0009_protocol_write_up_days"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
