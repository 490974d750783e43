from django.db import migrations


def install(apps, schema_editor):
    # The four councils' ladders ship with the product; Gloucestershire is active until an
    # administrator chooses another.
    from prp.presets import install_presets

    install_presets(apps=apps)


class Migration(migrations.Migration):
    dependencies = [("prp", "0003_protocol_protocolcategory_protocolstage_and_more")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
