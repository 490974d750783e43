from django.db import migrations, models
from django.db.models import Exists, OuterRef


def fill_flag(apps, schema_editor):
    Concern = apps.get_model("escalations", "Concern")
    ConcernChild = apps.get_model("escalations", "ConcernChild")
    restricted = ConcernChild.objects.filter(concern=OuterRef("pk"), child__restricted=True)
    Concern.objects.filter(Exists(restricted)).update(about_restricted_child=True)


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0004_backfill_dashboard_figures"),
        ("cases", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="concern",
            name="about_restricted_child",
            field=models.BooleanField(
                default=False,
                help_text="Set while any child of the concern has a restricted record.",
            ),
        ),
        migrations.RunPython(fill_flag, migrations.RunPython.noop),
    ]
