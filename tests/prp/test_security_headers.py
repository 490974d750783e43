"""Response headers: a Content-Security-Policy whose nonce is on every script of the page, and
the other headers a browser uses to protect the service's pages."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from prp.models import RoleCode
from tests.factories import UserFactory

TEMPLATES = Path(settings.BASE_DIR) / "templates"
NONCE = re.compile(r"script-src 'self' 'nonce-([A-Za-z0-9+/=]+)'")
SCRIPT = re.compile(r"<script\b([^>]*)>", re.S)


def page_urls(patterns=None, prefix=""):
    """Every page of the service whose address takes no parameters (the admin's aside)."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if "<" in route or route.startswith("admin/"):
            continue
        if isinstance(entry, URLResolver):
            yield from page_urls(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield "/" + route.lstrip("^").rstrip("$")


def policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in (p.strip() for p in header.split(";"))
        if part
    }


def assert_scripts_carry_the_nonce(response):
    nonce = NONCE.search(response.headers["Content-Security-Policy"])
    page = response.content.decode()
    scripts = [attrs for attrs in SCRIPT.findall(page) if "application/json" not in attrs]
    assert scripts, "every page loads the GOV.UK scripts"
    assert nonce, "the policy has a nonce when the page has scripts"
    for attrs in scripts:
        found = re.search(r'nonce="([^"]*)"', attrs)
        assert found and found[1] == nonce[1], attrs


@pytest.fixture
def administrator(db):
    return UserFactory(roles=[RoleCode.ADMINISTRATOR], is_staff=True, is_superuser=True)


def test_the_policy_is_the_one_intended(client, db):
    directives = policy(client.get(reverse("login")))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"].startswith("'self' 'nonce-")
    assert directives["style-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert directives["form-action"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in client.get(reverse("login")).headers["Content-Security-Policy"]


def test_every_page_has_the_policy_with_the_nonce_of_its_scripts(client, administrator, child):
    client.force_login(administrator)
    checked = []
    for url in [*page_urls(), reverse("cases:child_detail", args=[child.pk])]:
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.headers["Content-Type"]:
            continue
        assert_scripts_carry_the_nonce(response)
        checked.append(url)
    assert {"/", "/dashboard/", "/account/", "/children/", "/reports/themes/"} <= set(checked)
    assert len(checked) >= 18


def test_the_dashboard_chart_scripts_carry_the_nonce(client, administrator):
    client.force_login(administrator)
    response = client.get(reverse("dashboards:dashboard"))
    page = response.content.decode()
    nonce = NONCE.search(response.headers["Content-Security-Policy"])[1]
    assert f'chart.umd.min.js" nonce="{nonce}"' in page
    assert f'dashboard-charts.js" nonce="{nonce}"' in page


def test_each_response_has_its_own_nonce(client, db):
    first = NONCE.search(client.get(reverse("login")).headers["Content-Security-Policy"])[1]
    second = NONCE.search(client.get(reverse("login")).headers["Content-Security-Policy"])[1]
    assert first != second


def test_pages_for_people_not_signed_in_and_error_pages_have_it_too(client, db):
    for url, status in [(reverse("login"), 200), ("/no-such-page/", 404)]:
        response = client.get(url)
        assert response.status_code == status
        assert_scripts_carry_the_nonce(response)


def test_admin_pages_have_the_policy_and_no_inline_script(client, administrator):
    client.force_login(administrator)
    for url in (
        reverse("admin:index"),
        reverse("admin:prp_user_changelist"),
        # django-celery-beat's form has an inline script of its own, moved to a file here.
        reverse("admin:django_celery_beat_periodictask_add"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        # Django's admin loads its scripts from files, which 'self' allows; none is inline.
        scripts = SCRIPT.findall(response.content.decode())
        assert scripts
        assert all("src=" in attrs or "application/json" in attrs for attrs in scripts)


def test_the_other_protective_headers(client, db):
    response = client.get(reverse("login"))
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in response.headers["Permissions-Policy"]


def page_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        # Emails are not web pages: mail clients need their inline styles. Nor are the PDF
        # templates (`*_pdf.html`): WeasyPrint reads them on the server and only the PDF is sent.
        if "notifications/email" not in path.as_posix() and not path.name.endswith("_pdf.html"):
            yield path


@pytest.mark.parametrize(
    "path", list(page_templates()), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_template_has_inline_script_handlers_or_styles(path):
    """The policy blocks them, so they would silently not work: scripts go in static/js."""
    text = path.read_text()
    for attrs, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", text, re.S):
        assert "src=" in attrs, f"inline script in {path}"
        assert 'nonce="{{ request.csp_nonce }}"' in attrs, f"script without the nonce in {path}"
        assert not body.strip()
    assert not re.search(r"\son[a-z]+\s*=", text), f"inline event handler in {path}"
    assert not re.search(r"\sstyle\s*=", text), f"inline style in {path}"
    assert "<style" not in text, f"style element in {path}"
