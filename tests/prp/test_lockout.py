"""Locking sign-in after repeated wrong passwords (django-axes), through the sign-in page."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.urls import reverse

from prp.models import RoleCode
from tests.factories import UserFactory

LOCKED_TITLE = "<title>You cannot sign in at the moment – "


@pytest.fixture(autouse=True)
def five_tries(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.SIGN_IN_LOCKOUT_MINUTES = 30
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=30)


def sign_in(client, email, password, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_attempt_after_five_wrong_passwords_is_refused_even_with_the_right_one(
    client, iro, password
):
    for _ in range(4):
        response = sign_in(client, iro.email, "not-the-password")
        assert response.status_code == 200
        assert "Enter a correct email address and password" in response.content.decode()
    fifth = sign_in(client, iro.email, "not-the-password")
    assert fifth.status_code == 429
    assert LOCKED_TITLE in fifth.content.decode()

    right = sign_in(client, iro.email, password)
    assert right.status_code == 429
    assert LOCKED_TITLE in right.content.decode()
    assert not signed_in(client)
    assert client.get(reverse("home")).status_code == 302


def test_the_email_counts_whatever_its_case_or_spaces(client, iro, password):
    spellings = [iro.email.upper(), f" {iro.email} ", iro.email.title(), iro.email, iro.email]
    for spelling in spellings:
        sign_in(client, spelling, "not-the-password")
    assert sign_in(client, iro.email, password).status_code == 429


def test_the_lock_is_for_that_email_from_that_address(client, iro, password):
    for _ in range(5):
        sign_in(client, iro.email, "not-the-password", address="10.0.0.1")
    # The same person from another address, and another person from the same address.
    assert sign_in(client, iro.email, password, address="10.0.0.2").status_code == 302
    client.logout()
    colleague = UserFactory()
    assert sign_in(client, colleague.email, password, address="10.0.0.1").status_code == 302


def test_signing_in_resets_the_count(client, iro, password):
    for _ in range(4):
        sign_in(client, iro.email, "not-the-password")
    assert sign_in(client, iro.email, password).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        assert sign_in(client, iro.email, "not-the-password").status_code == 200
    assert sign_in(client, iro.email, password).status_code == 302


def test_the_lock_ends_after_the_cool_off(client, iro, password):
    with time_machine.travel(dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        for _ in range(5):
            sign_in(client, iro.email, "not-the-password")
        clock.shift(dt.timedelta(minutes=29))
        assert sign_in(client, iro.email, password).status_code == 429
        # That try started the 30 minutes again.
        clock.shift(dt.timedelta(minutes=29))
        assert sign_in(client, iro.email, password).status_code == 429
        clock.shift(dt.timedelta(minutes=31))
        assert sign_in(client, iro.email, password).status_code == 302


def test_the_lockout_page_says_what_happened_and_what_to_do_and_no_more(client, iro):
    for _ in range(5):
        response = sign_in(client, iro.email, "not-the-password")
    page = response.content.decode()
    assert '<h1 class="govuk-heading-l">You cannot sign in at the moment</h1>' in page
    assert "entered incorrectly too many times" in page
    assert "locked for 30 minutes" in page
    assert "Wait 30 minutes, then" in page
    assert "ask your service's administrator to reset it" in page
    # Nothing an attacker could use: not the address tried, nor the limit, nor whether the
    # account exists (an unknown address gets the same page).
    assert iro.email not in page
    assert "5 " not in main(page)
    nobody = [sign_in(client, "nobody@example.org", "guess") for _ in range(5)][-1]
    assert nobody.status_code == 429
    assert main(nobody.content.decode()) == main(page)


def main(page: str) -> str:
    return page.split("<main")[1].split("</main>")[0]


def test_an_administrator_unlocks_in_the_admin(client, iro, password):
    for _ in range(5):
        sign_in(client, iro.email, "not-the-password")
    admin = UserFactory(roles=[RoleCode.ADMINISTRATOR], is_staff=True, is_superuser=True)
    staff = client.__class__()
    staff.force_login(admin)
    attempt = AccessAttempt.objects.get(username=iro.email)
    listing = staff.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert iro.email in listing.content.decode()
    staff.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert not AccessAttempt.objects.filter(username=iro.email).exists()
    assert sign_in(client, iro.email, password).status_code == 302


# Password spraying: one network address failing across many accounts -----------------------
SPRAYER = "203.0.113.7"


@pytest.fixture
def ten_across_accounts(settings):
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 10


def spray(client, accounts, tries_each=1):
    for account in accounts:
        for _ in range(tries_each):
            sign_in(client, account.email, "Winter2026!", address=SPRAYER)


def test_one_address_failing_across_many_accounts_is_refused_for_every_account(
    client, iro, password, ten_across_accounts
):
    spray(client, UserFactory.create_batch(9))
    # Nine failures: the address may still sign in.
    assert sign_in(client, iro.email, password, address=SPRAYER).status_code == 302
    client.post(reverse("logout"))
    spray(client, UserFactory.create_batch(10))
    # The tenth: refused whatever account, even with its right password, and nothing said
    # about that account.
    refused = sign_in(client, iro.email, password, address=SPRAYER)
    assert refused.status_code == 429
    assert LOCKED_TITLE in refused.content.decode()
    assert not signed_in(client)
    page = main(refused.content.decode())
    assert "too many failed attempts to sign in from the network you are using" in page
    assert "signing in from this network is locked for 30 minutes" in page
    assert "They can unlock sign-in from your network." in page
    assert iro.email not in page
    assert "incorrectly" not in page
    # No account was locked for anyone else: the same person from another address signs in.
    assert sign_in(client, iro.email, password, address="10.0.0.2").status_code == 302


def test_the_address_lock_ends_after_the_cool_off(client, iro, password, ten_across_accounts):
    with time_machine.travel(dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        spray(client, UserFactory.create_batch(10))
        clock.shift(dt.timedelta(minutes=29))
        assert sign_in(client, iro.email, password, address=SPRAYER).status_code == 429
        clock.shift(dt.timedelta(minutes=31))
        assert sign_in(client, iro.email, password, address=SPRAYER).status_code == 302


def test_one_person_retrying_their_locked_account_does_not_lock_their_office(
    client, iro, password, ten_across_accounts
):
    colleague = UserFactory()
    for _ in range(30):
        sign_in(client, colleague.email, "not-the-password", address=SPRAYER)
    # Their account counts up to its own limit (5) towards the address's 10.
    assert sign_in(client, iro.email, password, address=SPRAYER).status_code == 302


def admin_client(client):
    admin = UserFactory(roles=[RoleCode.ADMINISTRATOR], is_staff=True, is_superuser=True)
    staff = client.__class__()
    staff.force_login(admin)
    return staff, admin


def test_an_administrator_sees_a_locked_address_and_unlocks_it(
    client, iro, password, ten_across_accounts
):
    from auditlog.models import LogEntry

    spray(client, UserFactory.create_batch(10))
    staff, admin = admin_client(client)
    page = staff.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    locked = page.split('id="locked-addresses"')[1].split("</table>")[0]
    assert SPRAYER in locked
    assert "<td>10</td>" in locked
    assert f"Unlock {SPRAYER}" in locked

    response = staff.post(
        reverse("admin:axes_accessattempt_unlock"), {"scope": "address", "address": SPRAYER}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(ip_address=SPRAYER).exists()
    entries = LogEntry.objects.filter(action=LogEntry.Action.DELETE, actor=admin)
    assert entries.count() == 10
    assert {entry.additional_data["unlocked"] for entry in entries} == {"network address"}
    assert {entry.changes_dict["ip_address"][0] for entry in entries} == {SPRAYER}
    audit = staff.get(reverse("admin:auditlog_logentry_changelist"))
    assert audit.status_code == 200
    entry = staff.get(reverse("admin:auditlog_logentry_change", args=[entries[0].pk]))
    assert entry.status_code == 200
    assert SPRAYER in entry.content.decode()
    assert sign_in(client, iro.email, password, address=SPRAYER).status_code == 302
    page = staff.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert SPRAYER not in page.split('id="sign-in-locks"')[1].split("</div>")[0]


def test_an_administrator_unlocks_one_email_address_from_one_address(client, iro, password):
    for _ in range(5):
        sign_in(client, iro.email, "not-the-password")
    staff, _ = admin_client(client)
    page = staff.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert iro.email in page.split('id="locked-accounts"')[1].split("</table>")[0]
    staff.post(
        reverse("admin:axes_accessattempt_unlock"),
        {"scope": "account", "address": "10.0.0.1", "username": iro.email},
    )
    assert sign_in(client, iro.email, password).status_code == 302


@pytest.mark.parametrize("address", ["", "not-an-address", "10.0.0.1'; --"])
def test_unlocking_a_bad_address_says_so_and_changes_nothing(client, iro, address):
    for _ in range(5):
        sign_in(client, iro.email, "not-the-password")
    staff, _ = admin_client(client)
    response = staff.post(
        reverse("admin:axes_accessattempt_unlock"),
        {"scope": "address", "address": address},
        follow=True,
    )
    assert response.status_code == 200
    assert "Nothing was unlocked: that is not a network address." in response.content.decode()
    assert AccessAttempt.objects.filter(username=iro.email).exists()


def test_only_someone_who_may_remove_records_unlocks(client, iro):
    for _ in range(5):
        sign_in(client, iro.email, "not-the-password")
    viewer = UserFactory(is_staff=True)
    staff = client.__class__()
    staff.force_login(viewer)
    response = staff.post(
        reverse("admin:axes_accessattempt_unlock"), {"scope": "address", "address": "10.0.0.1"}
    )
    assert response.status_code == 403
    assert AccessAttempt.objects.filter(username=iro.email).exists()
