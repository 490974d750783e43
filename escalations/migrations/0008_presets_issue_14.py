"""Bring the four presets up to PROTOCOLS.md's decisions (issue 14) in existing databases.

A preset version no concern uses is rewritten in place; one in use is never changed (its
concerns keep it): the new data becomes the next version, made active if the old one was. A
version the council made itself (2 or later) is left alone. If Blackpool is active, its review
timescales (91 and 183 days) are applied to the review rules.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from prp import presets
    from prp.models import RoleCode

    Role = apps.get_model("prp", "Role")
    Concern = apps.get_model("escalations", "Concern")
    for code in RoleCode.values:
        Role.objects.get_or_create(code=code)

    def in_use(protocol):
        return Concern.objects.filter(protocol=protocol).exists()

    for key in presets.PRESETS:
        presets.bring_preset_up_to_date(key, apps, in_use)

    Protocol = apps.get_model("prp", "Protocol")
    ReviewRule = apps.get_model("cases", "ReviewRule")
    active = Protocol.objects.filter(is_active=True).first()
    for code, (amount, unit) in ((active.review_rules if active else None) or {}).items():
        ReviewRule.objects.update_or_create(code=code, defaults={"amount": amount, "unit": unit})


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0007_protocol_limits"),
        ("prp", "0008_protocol_limits"),
        ("cases", "0006_child_and_rule_versions_child_anonymised_at"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
