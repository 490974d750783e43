import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Each task keeps its stage's concern: added empty and filled in from the stages in one
    UPDATE here, then required in 0019 (a separate transaction: PostgreSQL refuses to alter a
    table with the UPDATE's deferred foreign-key checks still pending)."""

    dependencies = [
        ("escalations", "0017_concern_updated_cursor_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="task",
            name="concern",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="escalations.concern",
            ),
        ),
        migrations.RunSQL(
            "UPDATE escalations_task SET concern_id = (SELECT s.concern_id FROM"
            " escalations_stage s WHERE s.id = escalations_task.stage_id)",
            migrations.RunSQL.noop,
        ),
    ]
