"""Two-factor codes: setting up an app, the code step of signing in, backup codes, and the
rule that administrators must use them. Codes are real TOTP codes worked out from the key."""

import datetime as dt
import re
from base64 import b32encode
from binascii import unhexlify

import pytest
import time_machine
from auditlog.models import LogEntry
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from prp.models import RoleCode
from prp.security import services
from tests.factories import UserFactory

START = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)


def code_for(key_hex: str, at: dt.datetime | None = None) -> str:
    """The code an authenticator app with this key shows now (or at `at`)."""
    if at is None:
        return f"{totp(unhexlify(key_hex), step=30):06d}"
    with time_machine.travel(at, tick=False):
        return f"{totp(unhexlify(key_hex), step=30):06d}"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def device(iro):
    return TOTPDevice.objects.create(user=iro, name="Authenticator app", confirmed=True)


@pytest.fixture
def admin(db):
    return UserFactory(
        full_name="Ada Admin", roles=[RoleCode.ADMINISTRATOR], is_staff=True, is_superuser=True
    )


@pytest.fixture
def enforced(settings):
    settings.OTP_REQUIRED_FOR_ADMINS = True


def sign_in(client, user, password, next_url=""):
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": user.email, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# Setting up --------------------------------------------------------------------------------
def test_anyone_can_set_up_two_factor_from_their_account_page(client, iro, clock):
    client.force_login(iro)
    account = client.get(reverse("account")).content.decode()
    assert "Two-factor authentication" in account
    assert f'href="{reverse("two_factor_set_up")}">Set up two-factor authentication</a>' in account

    page = client.get(reverse("two_factor_set_up")).content.decode()
    key = client.session["two_factor_new_key"]
    secret = b32encode(unhexlify(key)).decode()
    # The QR code is drawn on the server as inline SVG, and the key is there to type in.
    assert re.search(r'<svg [^>]*class="app-qr-code"', page)
    assert "<title>QR code for your authenticator app</title>" in page
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page
    assert not TOTPDevice.objects.filter(user=iro).exists()

    response = client.post(reverse("two_factor_set_up"), {"code": code_for(key)})
    assert response.status_code == 302
    assert response.url == reverse("two_factor_backup_codes")
    device = TOTPDevice.objects.get(user=iro)
    assert device.confirmed and device.key == key

    codes_page = client.get(response.url).content.decode()
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", codes_page)
    assert len(codes) == 10
    assert set(codes) == set(
        StaticToken.objects.filter(device__user=iro).values_list("token", flat=True)
    )
    # Shown once.
    assert "<li>" + codes[0] not in client.get(response.url).content.decode()
    assert "Two-factor authentication is on." in codes_page


def test_a_wrong_code_does_not_turn_it_on(client, iro, clock):
    client.force_login(iro)
    client.get(reverse("two_factor_set_up"))
    key = client.session["two_factor_new_key"]
    wrong = f"{(int(code_for(key)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("two_factor_set_up"), {"code": wrong})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Set up two-factor authentication" in page
    assert "govuk-error-summary" in page
    assert "The code is not correct" in page
    assert not TOTPDevice.objects.filter(user=iro).exists()
    # The same key is offered again, so the app already set up still works.
    assert client.session["two_factor_new_key"] == key


def test_a_code_from_a_minute_ago_is_refused(client, iro, clock):
    client.force_login(iro)
    client.get(reverse("two_factor_set_up"))
    key = client.session["two_factor_new_key"]
    old = code_for(key, at=START - dt.timedelta(seconds=90))
    assert old != code_for(key)
    assert client.post(reverse("two_factor_set_up"), {"code": old}).status_code == 200
    assert not TOTPDevice.objects.filter(user=iro).exists()


# Signing in with a code --------------------------------------------------------------------
def test_sign_in_asks_for_the_code_after_the_password(client, iro, password, device, clock):
    response = sign_in(client, iro, password, next_url="/children/")
    assert response.url == f"{reverse('two_factor_verify')}?next=%2Fchildren%2F"
    assert not signed_in(client)
    assert client.get(reverse("home")).status_code == 302

    page = client.get(response.url).content.decode()
    assert "Enter the code from your authenticator app" in page
    done = client.post(response.url, {"code": code_for(device.key)})
    assert done.url == "/children/"
    assert signed_in(client)
    assert client.get("/children/").status_code == 200


def test_a_wrong_code_does_not_sign_in(client, iro, password, device, clock):
    url = sign_in(client, iro, password).url
    wrong = f"{(int(code_for(device.key)) + 1) % 1_000_000:06d}"
    page = client.post(url, {"code": wrong}).content.decode()
    assert "The code is not correct" in page
    assert "govuk-error-summary" in page
    assert not signed_in(client)


def test_each_wrong_code_makes_the_next_try_wait(client, iro, password, device, clock):
    url = sign_in(client, iro, password).url
    client.post(url, {"code": "000000" if code_for(device.key) != "000000" else "111111"})
    # Straight after a wrong code even the right one is refused, with a plain reason.
    page = client.post(url, {"code": code_for(device.key)}).content.decode()
    assert "You entered a wrong code too many times" in page
    assert not signed_in(client)
    clock.shift(dt.timedelta(seconds=31))
    assert client.post(url, {"code": code_for(device.key)}).status_code == 302
    assert signed_in(client)


def test_a_code_cannot_be_used_twice(client, iro, password, device, clock):
    code = code_for(device.key)
    client.post(sign_in(client, iro, password).url, {"code": code})
    assert signed_in(client)
    client.post(reverse("logout"))
    clock.shift(dt.timedelta(seconds=5))
    assert client.post(sign_in(client, iro, password).url, {"code": code}).status_code == 200
    assert not signed_in(client)


def test_a_backup_code_signs_in_once(client, iro, password, device, clock):
    codes = services.backup_codes_replace(user=iro)
    client.post(sign_in(client, iro, password).url, {"code": codes[0].upper()})
    assert signed_in(client)
    client.post(reverse("logout"))
    clock.shift(dt.timedelta(minutes=1))
    assert client.post(sign_in(client, iro, password).url, {"code": codes[0]}).status_code == 200
    assert not signed_in(client)
    assert StaticToken.objects.filter(device__user=iro).count() == 9


def test_the_code_must_follow_the_password_within_five_minutes(
    client, iro, password, device, clock
):
    url = sign_in(client, iro, password).url
    clock.shift(dt.timedelta(minutes=6))
    response = client.post(url, {"code": code_for(device.key)})
    assert response.url.startswith(reverse("login"))
    assert not signed_in(client)


def test_the_code_page_alone_signs_nobody_in(client, iro, device, clock):
    response = client.post(reverse("two_factor_verify"), {"code": code_for(device.key)})
    assert response.url == reverse("login")
    assert not signed_in(client)


def test_a_session_signed_in_another_way_must_still_enter_the_code(client, iro, device, clock):
    # E.g. single sign-on: signed in, but the person has an app, so the code is still owed.
    client.force_login(iro)
    response = client.get(reverse("cases:child_list"))
    assert response.url == f"{reverse('two_factor_verify')}?next=/children/"
    # And the app cannot be swapped for another without it.
    swap = client.get(reverse("two_factor_set_up"))
    assert swap.url.startswith(reverse("two_factor_verify"))
    assert client.post(response.url, {"code": code_for(device.key)}).url == "/children/"
    assert client.get("/children/").status_code == 200


# Administrators ----------------------------------------------------------------------------
def test_an_administrator_without_an_app_must_set_one_up_before_anything_else(
    client, admin, password, enforced, clock
):
    home = sign_in(client, admin, password)
    assert signed_in(client)
    for url in (home.url, reverse("admin:index"), reverse("cases:child_list")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("two_factor_set_up"))
    page = client.get(reverse("two_factor_set_up") + "?next=/admin/").content.decode()
    assert "As an administrator, you must set up two-factor authentication" in page

    key = client.session["two_factor_new_key"]
    done = client.post(reverse("two_factor_set_up") + "?next=/admin/", {"code": code_for(key)})
    assert done.url == reverse("two_factor_backup_codes") + "?next=%2Fadmin%2F"
    assert 'href="/admin/">Continue</a>' in client.get(done.url).content.decode()
    assert client.get(reverse("admin:index")).status_code == 200


def test_an_administrator_by_role_alone_must_set_one_up_too(client, db, password, enforced, clock):
    person = UserFactory(roles=[RoleCode.ADMINISTRATOR])
    sign_in(client, person, password)
    assert client.get(reverse("home")).url.startswith(reverse("two_factor_set_up"))


def test_an_administrator_with_an_app_enters_a_code_for_the_admin(
    client, admin, password, enforced, clock
):
    device = TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    client.force_login(admin)
    response = client.get(reverse("admin:index"))
    assert response.url == f"{reverse('two_factor_verify')}?next=/admin/"
    client.post(response.url, {"code": code_for(device.key)})
    assert client.get(reverse("admin:index")).status_code == 200


def test_becoming_staff_mid_session_still_needs_the_code(client, iro, enforced, clock):
    client.force_login(iro)
    assert client.get(reverse("home")).status_code == 200
    iro.is_staff = True
    iro.save()
    assert client.get(reverse("admin:index")).url.startswith(reverse("two_factor_set_up"))


def test_administrators_cannot_turn_it_off(client, admin, password, enforced, clock):
    device = TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    client.post(sign_in(client, admin, password).url, {"code": code_for(device.key)})
    page = client.get(reverse("two_factor_turn_off")).content.decode()
    assert "You cannot turn off two-factor authentication" in page
    assert client.post(reverse("two_factor_turn_off")).status_code == 403
    assert TOTPDevice.objects.filter(user=admin).exists()


def test_not_enforced_when_the_setting_is_off(client, admin, settings, clock):
    settings.OTP_REQUIRED_FOR_ADMINS = False
    client.force_login(admin)
    assert client.get(reverse("admin:index")).status_code == 200


def test_everyone_else_may_turn_it_off(client, iro, password, device, clock):
    services.backup_codes_replace(user=iro)
    client.post(sign_in(client, iro, password).url, {"code": code_for(device.key)})
    assert client.post(reverse("two_factor_turn_off")).url == reverse("account")
    assert not TOTPDevice.objects.filter(user=iro).exists()
    assert not StaticDevice.objects.filter(user=iro).exists()
    client.post(reverse("logout"))
    assert sign_in(client, iro, password).url == reverse("home")


def test_new_backup_codes_replace_the_old(client, iro, password, device, clock):
    old = services.backup_codes_replace(user=iro)
    client.post(sign_in(client, iro, password).url, {"code": code_for(device.key)})
    page = client.get(reverse("two_factor_backup_codes")).content.decode()
    assert "You have 10 backup codes left" in page
    new_page = client.get(client.post(reverse("two_factor_backup_codes")).url).content.decode()
    new = re.findall(r"<li>([a-z2-7]{8})</li>", new_page)
    assert len(new) == 10
    assert not set(new) & set(old)
    assert not StaticToken.objects.filter(token__in=old).exists()


def test_turning_two_factor_on_and_off_is_in_the_audit_trail_without_the_key(client, iro, clock):
    client.force_login(iro)
    client.get(reverse("two_factor_set_up"))
    key = client.session["two_factor_new_key"]
    client.post(reverse("two_factor_set_up"), {"code": code_for(key)})
    codes = list(StaticToken.objects.filter(device__user=iro).values_list("token", flat=True))
    client.post(reverse("two_factor_turn_off"))

    entries = LogEntry.objects.filter(
        content_type__app_label__in=["otp_totp", "otp_static"], actor=iro
    )
    actions = sorted({(e.content_type.model, e.action) for e in entries})
    assert actions == [
        ("staticdevice", LogEntry.Action.CREATE),
        ("staticdevice", LogEntry.Action.DELETE),
        # Each backup code made, and removed with the device: whose, never the code.
        ("statictoken", LogEntry.Action.CREATE),
        ("statictoken", LogEntry.Action.DELETE),
        ("totpdevice", LogEntry.Action.CREATE),
        ("totpdevice", LogEntry.Action.DELETE),
    ]
    tokens = entries.filter(content_type__model="statictoken")
    assert {tuple(e.changes) for e in tokens} == {("device",)}
    created = entries.get(content_type__model="totpdevice", action=LogEntry.Action.CREATE)
    assert set(created.changes) == {"user", "name", "confirmed"}
    assert all(key not in str(e.changes) for e in entries)
    trail = " ".join(f"{e.changes} {e.object_repr}" for e in entries)
    assert len(codes) == 10 and not any(code in trail for code in codes)
