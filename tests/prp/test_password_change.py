"""Strong passwords wherever a password is set: changing your own, and the admin's forms."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from prp.models import RoleCode
from tests.factories import UserFactory

NEW = "correct horse battery staple"


@pytest.fixture
def person(db):
    return UserFactory(full_name="Frederica Longbottom", email="ada.green@example.org")


def change(client, old, new, again=None):
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new, "new_password2": again or new},
    )


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short-one", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
        ("738294619203", "This password is entirely numeric."),
        ("FredericaLongbottom", "The password is too similar to the full name."),
        ("ada.green@example.org", "The password is too similar to the email address."),
    ],
)
def test_a_weak_new_password_is_refused_on_the_new_password(client, person, password, new, message):
    client.force_login(person)
    response = change(client, password, new)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Change your password" in page
    assert f'<a href="#id_new_password1">{message}</a>' in page
    person.refresh_from_db()
    assert person.check_password(password)


def test_the_current_password_must_be_right_and_the_new_one_typed_twice(client, person, password):
    client.force_login(person)
    page = change(client, "not-it", NEW).content.decode()
    assert "Your current password is not correct" in page
    page = change(client, password, NEW, again=NEW + "!").content.decode()
    assert "The new passwords do not match" in page


def test_changing_your_password_keeps_you_signed_in(client, person, password):
    client.force_login(person)
    account = client.get(reverse("account")).content.decode()
    assert f'href="{reverse("password_change")}"' in account
    response = change(client, password, NEW)
    assert response.url == reverse("account")
    assert "Your password has been changed." in client.get(response.url).content.decode()
    person.refresh_from_db()
    assert person.check_password(NEW)


def test_the_admin_password_forms_refuse_weak_passwords(client, person):
    admin = UserFactory(roles=[RoleCode.ADMINISTRATOR], is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[person.pk]),
        {"password1": "password1234", "password2": "password1234", "usable_password": "true"},
    )
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    response = client.post(
        reverse("admin:prp_user_add"),
        {
            "email": "new.person@example.org",
            "full_name": "New Person",
            "password1": "short",
            "password2": "short",
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert "This password is too short." in response.content.decode()


def test_the_validators_are_the_ones_configured(db):
    # The same rules apply to `manage.py changepassword` and `createsuperuser`.
    person = UserFactory.build(full_name="Frederica Longbottom", job_title="Team Manager")
    with pytest.raises(ValidationError):
        validate_password("TeamManager!", person)
    validate_password(NEW, person)
