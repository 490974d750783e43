import unicodedata

from django.db import migrations, models

import prp.email_address


def _normalise(value: str) -> str:
    # A copy of prp.email_address.normalise_email as it was when this migration was written.
    return unicodedata.normalize("NFKC", value).strip().upper().casefold()


def normalise_stored_addresses(apps, schema_editor):
    """Keep every address in the one spelling the sign-in looks up. Two accounts that would
    become one address are left as they are and named: which one is the person's is for an
    administrator to decide, never for a migration to merge."""
    User = apps.get_model("prp", "User")
    taken = set(User.objects.values_list("email", flat=True))
    for pk, email in User.objects.values_list("pk", "email").order_by("pk"):
        normalised = _normalise(email)
        if normalised == email:
            continue
        if normalised in taken:
            print(f"\n  Account {pk}: {email!r} is the same address as another account; not changed.")
            continue
        User.objects.filter(pk=pk).update(email=normalised)
        taken.discard(email)
        taken.add(normalised)
        if not normalised.isascii():
            print(f"\n  Account {pk}: {normalised!r} is not ASCII and cannot sign in; correct it.")


class Migration(migrations.Migration):
    dependencies = [
        ("prp", "0006_admin_versions_and_form_submissions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="email",
            field=models.EmailField(
                max_length=254,
                unique=True,
                validators=[prp.email_address.validate_plain],
                verbose_name="email address",
            ),
        ),
        migrations.RunPython(normalise_stored_addresses, migrations.RunPython.noop),
    ]
