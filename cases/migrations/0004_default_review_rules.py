"""The statutory timescales every authority starts with; each can be changed in the admin."""

from django.db import migrations

DEFAULTS = {
    "cic_first": (20, "working_days"),
    "cic_second": (3, "months"),
    "cic_later": (6, "months"),
    "cic_carer_change": (20, "working_days"),
    "placement_order_first": (3, "months"),
    "placement_order_later": (6, "months"),
    "placement_order_not_placed": (9, "months"),
    "cp_initial": (15, "working_days"),
    "cp_first_review": (3, "months"),
    "cp_later": (6, "months"),
    "decisions_circulated": (5, "working_days"),
    "full_record": (15, "working_days"),
    "decisions_considered": (5, "working_days"),
    "care_plan_updated": (10, "working_days"),
    "qapr_cp_first_year": (3, "times_a_year"),
    "qapr_cp_later_years": (2, "times_a_year"),
}


def add_rules(apps, schema_editor):
    ReviewRule = apps.get_model("cases", "ReviewRule")
    for code, (amount, unit) in DEFAULTS.items():
        ReviewRule.objects.get_or_create(code=code, defaults={"amount": amount, "unit": unit})


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_reviews")]

    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
