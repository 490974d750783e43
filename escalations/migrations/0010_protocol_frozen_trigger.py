"""PostgreSQL: the database itself refuses to change a protocol version concerns use (issue 14
rule 15), whatever path the change takes (raw SQL included). The model layer refuses the same
changes first with a readable message (prp.frozen); this is the last line. Making a version
active (is_active) and the admin's edit counter (lock_version) stay free.
"""

from django.db import migrations

TABLES = [
    "prp_protocol",
    "prp_protocolstage",
    "prp_protocolcategory",
    "prp_responseoption",
    "prp_protocolstage_raised_by",
    "prp_protocolstage_copy_to",
]

FUNCTION = """
CREATE OR REPLACE FUNCTION prp_protocol_frozen() RETURNS trigger AS $$
DECLARE
    ids bigint[];
    old_row jsonb := CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) END;
BEGIN
    IF TG_TABLE_NAME = 'prp_protocol' THEN
        IF TG_OP = 'UPDATE'
           AND (new_row - 'is_active' - 'lock_version') = (old_row - 'is_active' - 'lock_version')
        THEN
            RETURN NEW;
        END IF;
        ids := ARRAY[(old_row ->> 'id')::bigint];
    ELSIF TG_TABLE_NAME IN ('prp_protocolstage_raised_by', 'prp_protocolstage_copy_to') THEN
        SELECT array_agg(protocol_id) INTO ids FROM prp_protocolstage WHERE id IN (
            (old_row ->> 'protocolstage_id')::bigint, (new_row ->> 'protocolstage_id')::bigint
        );
    ELSE
        ids := ARRAY[(old_row ->> 'protocol_id')::bigint, (new_row ->> 'protocol_id')::bigint];
    END IF;
    IF EXISTS (SELECT 1 FROM escalations_concern WHERE protocol_id = ANY(ids)) THEN
        RAISE EXCEPTION 'This protocol version is used by concerns, so it cannot change: copy it as a new version.'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_frozen BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION prp_protocol_frozen()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS prp_protocol_frozen()")


class Migration(migrations.Migration):
    dependencies = [("escalations", "0009_cumbria_write_up_days")]

    operations = [migrations.RunPython(forwards, backwards)]
