"""Fill the dashboard figures for concerns and stages recorded before they were kept."""

from django.db import migrations


def backfill(apps, schema_editor):
    from prp import workdays

    Stage = apps.get_model("escalations", "Stage")
    Concern = apps.get_model("escalations", "Concern")
    ConcernChild = apps.get_model("escalations", "ConcernChild")
    for stage in Stage.objects.filter(outcome_on__isnull=False, working_days_taken__isnull=True):
        stage.working_days_taken = workdays.working_days_between(stage.opened_on, stage.outcome_on)
        stage.save(update_fields=["working_days_taken"])
    primary = {
        link.concern_id: link.child
        for link in ConcernChild.objects.filter(is_primary=True).select_related("child")
    }
    for concern in Concern.objects.exclude(opened_on__isnull=True):
        child = primary.get(concern.pk)
        concern.team_id = child.team_id if child else None
        concern.child_status = child.status if child else ""
        fields = ["team", "child_status"]
        if concern.closed_on is not None:
            stages = list(Stage.objects.filter(concern=concern))
            concern.closed_level = max((s.level for s in stages), default=None)
            concern.formal_working_days = sum(
                workdays.working_days_between(s.opened_on, s.outcome_on or concern.closed_on)
                for s in stages
                if s.level > 0
            )
            fields += ["closed_level", "formal_working_days"]
        concern.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [("escalations", "0003_dashboard_figures")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
