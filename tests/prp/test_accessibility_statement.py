"""The accessibility statement: open to everyone, and linked from every page's footer."""

import html
import re

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/accessibility/"


def test_the_statement_is_at_its_address():
    assert reverse("accessibility") == URL


def test_it_renders_signed_out(client):
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip()
    assert html.unescape(title) == f"Accessibility statement – {settings.SERVICE_NAME}"
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)
    assert html.unescape(heading) == f"Accessibility statement for {settings.SERVICE_NAME}"
    # The statement's own sections, in GOV.UK styles, from docs/ACCESSIBILITY.md.
    assert '<h2 class="govuk-heading-m">Enforcement procedure</h2>' in page
    assert '<h3 class="govuk-heading-s">Compliance status</h3>' in page
    assert "Equality and Human Rights Commission" in page
    assert '<p class="govuk-body">' in page


def test_the_footer_links_to_it_signed_out_and_signed_in(client):
    link = f'<a class="govuk-footer__link" href="{URL}">Accessibility statement</a>'
    assert link in client.get(reverse("login")).content.decode()
    client.force_login(UserFactory())
    assert link in client.get(reverse("home")).content.decode()


@override_settings(OTP_REQUIRED_FOR_ADMINS=True)
def test_an_administrator_can_read_it_before_entering_a_code(client):
    # Everywhere else sends an administrator without a two-factor app to set one up first.
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("home")).status_code == 302
    assert client.get(URL).status_code == 200
