"""Issue 14 rules 6 to 9 for existing databases: the presets' told rules, and who each stage
already opened was copied to (read from its delegation's history row, which recorded it)."""

from django.db import migrations


def backfill_stage_copies(apps, schema_editor):
    Event = apps.get_model("escalations", "Event")
    StageCopy = apps.get_model("escalations", "StageCopy")
    seen = set()
    delegations = Event.objects.filter(kind="delegated", stage__isnull=False).order_by("id")
    for event in delegations.iterator():
        for person_id in event.data.get("copied_to", []):
            if (event.stage_id, person_id) in seen:
                continue
            seen.add((event.stage_id, person_id))
            StageCopy.objects.get_or_create(
                stage_id=event.stage_id,
                person_id=person_id,
                defaults={"reason": "Copied in by the protocol"},
            )


def upgrade_presets(apps, schema_editor):
    from prp.presets import upgrade_told_rules

    upgrade_told_rules(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0011_told_copies_bypass_answer_cafcass"),
        ("prp", "0011_told_copies_bypass_answer_cafcass"),
    ]

    operations = [
        migrations.RunPython(backfill_stage_copies, migrations.RunPython.noop),
        migrations.RunPython(upgrade_presets, migrations.RunPython.noop),
    ]
