"""One spelling of an email address for the lockout, the account lookup and storage (issue 13 §3).

PostgreSQL's `UPPER()`, which `email__iexact` used, folds the long s (U+017F) to S and the
dotless i (U+0131) to I, and the Kelvin sign (U+212A) is a K to NFKC: each gave an attacker a
spelling that signed in to the real account with a count of failures of its own. Run these on
PostgreSQL as well as SQLite: SQLite never folded them, so only PostgreSQL showed the hole.
"""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from prp.email_address import NOT_ASCII, normalise_email
from prp.models import RoleCode, User
from prp.security.oidc import CouncilAccountBackend
from tests.factories import UserFactory

REAL = "kit.social@example.org"
LONG_S = "kit.\u017focial@example.org"
DOTLESS_I = "k\u0131t.social@example.org"
KELVIN = "\u212ait.social@example.org"
LOOK_ALIKES = pytest.mark.parametrize(
    "look_alike", [LONG_S, DOTLESS_I, KELVIN], ids=["long-s", "dotless-i", "kelvin-sign"]
)


@pytest.fixture(autouse=True)
def five_tries(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.SIGN_IN_LOCKOUT_MINUTES = 30
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=30)


@pytest.fixture
def kit(db):
    return UserFactory(email=REAL, full_name="Kit Social", roles=[RoleCode.SOCIAL_WORKER])


def sign_in(client, email, password, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@LOOK_ALIKES
def test_a_look_alike_address_cannot_sign_in_even_with_the_right_password(
    client, kit, password, look_alike
):
    response = sign_in(client, look_alike, password)
    assert response.status_code == 200
    assert not signed_in(client)
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert NOT_ASCII in page
    with pytest.raises(User.DoesNotExist):
        User.objects.get_by_natural_key(look_alike)


@LOOK_ALIKES
def test_a_look_alike_address_gets_no_fresh_count_of_failures(client, kit, password, look_alike):
    for _ in range(4):
        sign_in(client, REAL, "not-the-password")
    # The fifth failure, in a look-alike spelling, is the real account's fifth.
    assert sign_in(client, look_alike, "not-the-password").status_code == 429
    assert sign_in(client, REAL, password).status_code == 429
    assert not signed_in(client)


@LOOK_ALIKES
def test_a_locked_account_stays_locked_to_its_look_alikes(client, kit, password, look_alike):
    for _ in range(5):
        sign_in(client, REAL, "not-the-password")
    assert sign_in(client, look_alike, password).status_code == 429
    assert not signed_in(client)


def test_a_refused_address_counts_as_a_failure(client, kit, password):
    for look_alike in (LONG_S, DOTLESS_I, KELVIN, LONG_S, DOTLESS_I):
        sign_in(client, look_alike, password)
    assert sign_in(client, REAL, password).status_code == 429


@pytest.mark.parametrize(
    "typed", [LONG_S * 20, "x" * 250 + "@example.org"], ids=["look-alike", "ascii"]
)
def test_a_too_long_address_is_refused_with_a_message_not_an_error(client, kit, password, typed):
    response = sign_in(client, typed, password)
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Email address must be 254 characters or fewer" in page


def test_case_spaces_and_compatibility_forms_are_one_address(client, kit, password):
    assert normalise_email(" Kit.Social@EXAMPLE.org ") == REAL
    assert normalise_email("\uff4bit.social@example.org") == REAL  # full-width k
    # Typed in capitals, the address still signs in: it is ASCII.
    assert sign_in(client, "KIT.SOCIAL@EXAMPLE.ORG", password).status_code == 302


# Storage -----------------------------------------------------------------------------------
def test_an_address_is_stored_normalised_whichever_way_the_account_is_made(db):
    assert UserFactory(email=" Kit.Social@Example.ORG ").email == REAL
    made = User.objects.create_user("Sam.Worker@Example.org", full_name="Sam")
    assert made.email == "sam.worker@example.org"
    made.email = "SAM.WORKER@example.ORG"
    made.save()
    made.refresh_from_db()
    assert made.email == "sam.worker@example.org"


@LOOK_ALIKES
def test_an_account_cannot_be_made_with_an_address_that_is_not_ascii(db, look_alike):
    with pytest.raises(ValidationError):
        User.objects.create_user(look_alike, full_name="Look Alike")
    with pytest.raises(ValidationError):
        User(email=look_alike, full_name="Look Alike").full_clean()
    with pytest.raises(ValidationError):
        User.objects.create(email=look_alike, full_name="Look Alike")
    assert not User.objects.exists()


def test_the_admin_refuses_an_address_that_is_not_ascii(client, db):
    admin = UserFactory(roles=[RoleCode.ADMINISTRATOR], is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        reverse("admin:prp_user_add"),
        {
            "email": LONG_S,
            "full_name": "Look Alike",
            "password1": "a-long-enough-password-2026",
            "password2": "a-long-enough-password-2026",
        },
    )
    assert response.status_code == 200
    assert NOT_ASCII in response.content.decode()
    assert not User.objects.filter(full_name="Look Alike").exists()


@LOOK_ALIKES
def test_single_sign_on_finds_no_account_for_a_look_alike(kit, settings, look_alike):
    settings.OIDC_CREATE_USER = True
    backend = CouncilAccountBackend()
    assert not backend.filter_users_by_claims({"email": look_alike}).exists()
    assert not backend.verify_claims({"email": look_alike})
    assert list(backend.filter_users_by_claims({"email": " Kit.Social@Example.org"})) == [kit]


def test_the_migration_normalises_stored_addresses_and_never_merges_two(db):
    migration = importlib.import_module("prp.migrations.0007_user_email_normalised")
    kit = UserFactory(email=REAL)
    mixed = UserFactory()
    clash = UserFactory()
    # As rows written before this rule could be: mixed case, and a look-alike of Kit's.
    User.objects.filter(pk=mixed.pk).update(email="Sam.Worker@Example.ORG")
    User.objects.filter(pk=clash.pk).update(email=LONG_S)

    migration.normalise_stored_addresses(apps, None)

    emails = dict(User.objects.values_list("pk", "email"))
    assert emails[mixed.pk] == "sam.worker@example.org"
    assert emails[kit.pk] == REAL
    assert emails[clash.pk] == LONG_S
