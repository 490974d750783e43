import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0018_task_concern"),
    ]

    operations = [
        migrations.AlterField(
            model_name="task",
            name="concern",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="escalations.concern",
            ),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(fields=["assignee", "concern"], name="esc_task_assignee_concern_idx"),
        ),
    ]
