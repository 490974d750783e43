"""Sign-in, the home page and the error pages, through real HTTP requests."""

import pytest
from django.test import Client
from django.urls import reverse

from prp.models import RoleCode
from tests.factories import UserFactory

SIGNED_IN_PAGES = ["home", "cases:child_list"]


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_every_page_needs_sign_in(client, db, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_the_sign_in_page_is_a_gov_uk_form(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Sign in – " in page
    assert 'type="password"' in page
    assert 'class="govuk-skip-link"' in page
    assert "govuk-phase-banner" in page


def test_signing_in_with_email_and_password_reaches_home(client, iro, password):
    response = client.post(
        reverse("login"), {"username": iro.email.upper(), "password": password}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert f"Signed in as <strong>{iro.full_name}</strong>" in response.content.decode()


def test_a_wrong_password_shows_the_error_summary(client, iro):
    response = client.post(reverse("login"), {"username": iro.email, "password": "wrong"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Sign in – " in page
    assert "govuk-error-summary" in page
    assert "Enter a correct email address and password" in page


def test_an_empty_sign_in_says_what_is_missing(client, db):
    response = client.post(reverse("login"), {"username": "", "password": ""})
    page = response.content.decode()
    assert "Enter your email address" in page
    assert "Enter your password" in page


def test_an_inactive_person_cannot_sign_in(client, iro, password):
    iro.is_active = False
    iro.save()
    response = client.post(reverse("login"), {"username": iro.email, "password": password})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_signing_out_needs_a_post_and_ends_the_session(client, iro):
    client.force_login(iro)
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You have been signed out." in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize(
    ("roles", "expected", "absent"),
    [
        (
            [RoleCode.IRO],
            ["My children", "My concerns", "Weekly clinic", "Good practice notes"],
            ["My tasks", "Dashboard", "Monthly themes report"],
        ),
        (
            [RoleCode.TEAM_MANAGER],
            ["My tasks", "Children in your teams", "Good practice notes"],
            ["My concerns", "Weekly clinic"],
        ),
        (
            [RoleCode.REVIEWING_SERVICE_MANAGER],
            ["Dashboard", "Monthly themes report", "Weekly clinic pack", "My children"],
            ["My tasks"],
        ),
        (
            [RoleCode.PERFORMANCE],
            ["Dashboard", "Figures for the IRO annual report", "Weekly clinic"],
            ["My concerns", "My tasks", "Good practice notes"],
        ),
    ],
)
def test_home_sends_each_role_to_its_start(client, db, roles, expected, absent):
    client.force_login(UserFactory(roles=roles))
    page = client.get(reverse("home")).content.decode()
    for text in expected:
        assert text in page
    for text in absent:
        assert text not in page


@pytest.mark.parametrize(
    ("roles", "links"),
    [
        (
            [RoleCode.IRO],
            [
                "escalations:concern_list",
                "escalations:weekly_clinic",
                "escalations:good_practice_list",
                "cases:reviews_due",
                "qapr:qapr_due",
                "qapr:recommendation_list",
            ],
        ),
        (
            [RoleCode.TEAM_MANAGER],
            ["escalations:task_inbox", "escalations:good_practice_list", "cases:reviews_due"],
        ),
    ],
)
def test_the_pathway_links_on_home_are_live(client, db, roles, links):
    client.force_login(UserFactory(roles=roles))
    page = client.get(reverse("home")).content.decode()
    for name in links:
        assert f'href="{reverse(name)}"' in page
    assert page.count("app-start-link__coming") == 0


@pytest.mark.parametrize(
    ("roles", "present", "absent"),
    [
        ([RoleCode.IRO], ["Concerns", "Children", "Reviews", "QAPRs"], ["My tasks", "Dashboard"]),
        ([RoleCode.REVIEWING_SERVICE_MANAGER], ["Dashboard", "QAPRs", "Children"], ["My tasks"]),
        ([RoleCode.TEAM_MANAGER], ["My tasks", "Concerns", "Children", "Reviews"], ["QAPRs"]),
        ([], ["Children"], ["My tasks", "Concerns", "Reviews", "QAPRs"]),
    ],
)
def test_the_navigation_follows_the_roles(client, db, roles, present, absent):
    client.force_login(UserFactory(roles=roles))
    response = client.get(reverse("home"))
    labels = [item["label"] for item in response.context["navigation"]]
    assert labels[0] == "Home"
    for label in present:
        assert label in labels
    for label in absent:
        assert label not in labels


def test_home_for_someone_with_no_role_says_what_to_do(client, outsider):
    client.force_login(outsider)
    page = client.get(reverse("home")).content.decode()
    assert "Your account has no role in the pathway yet" in page


def test_administrators_are_offered_the_admin(client, db):
    admin = UserFactory(roles=[RoleCode.ADMINISTRATOR], is_staff=True)
    client.force_login(admin)
    page = client.get(reverse("home")).content.decode()
    assert reverse("admin:index") in page


def test_unknown_pages_get_the_gov_uk_404(client, iro):
    client.force_login(iro)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_server_error_gets_the_gov_uk_500_page(db, iro, settings):
    settings.ROOT_URLCONF = "tests.urls_with_error"
    client = Client(raise_request_exception=False)
    client.force_login(iro)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


def test_signed_in_without_admin_rights_the_admin_is_a_gov_uk_403_not_a_loop(client, iro):
    client.force_login(iro)
    response = client.get(reverse("admin:index"))
    # Before: /admin/ -> /admin/login/ -> /sign-in/ -> /admin/ and round again.
    assert response.status_code == 403
    page = response.content.decode()
    assert "You cannot do that" in page
    assert "govuk-header" in page


def test_admin_pages_deeper_in_and_its_sign_in_are_a_403_too(client, iro):
    client.force_login(iro)
    assert client.get("/admin/prp/user/").status_code == 403
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_an_administrator_signed_in_goes_from_the_admin_sign_in_to_the_admin(client, db):
    client.force_login(UserFactory(roles=[RoleCode.ADMINISTRATOR], is_staff=True))
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response.url == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_admin_uses_the_services_sign_in_page(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/admin/"


def test_a_form_posted_without_its_security_token_gets_the_gov_uk_403(db, iro, password):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": iro.email, "password": password})
    assert response.status_code == 403
    assert "You cannot do that" in response.content.decode()
