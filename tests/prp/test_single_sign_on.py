"""Single sign-on with the council's Entra ID: the button, the callback, and who it lets in.

No network: the ID tokens are signed here with a test key the backend is given, and the one
call to the provider's token endpoint is replaced by handing back such a token.
"""

import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import SuspiciousOperation
from django.urls import reverse

from prp.models import User
from prp.security.oidc import CouncilAccountBackend
from tests.factories import UserFactory

CLIENT_ID = "prp-test-client"
TENANT = "11111111-2222-3333-4444-555555555555"
PROVIDER = "https://sign-in.example.test"


@pytest.fixture(scope="module")
def signing_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def sso(settings, signing_key):
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = "test-secret"
    settings.OIDC_TENANT_ID = TENANT
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{PROVIDER}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{PROVIDER}/token"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{PROVIDER}/keys"
    settings.OIDC_OP_USER_ENDPOINT = ""
    settings.OIDC_RP_IDP_SIGN_KEY = (
        signing_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "prp.security.oidc.CouncilAccountBackend",
    ]
    return settings


def id_token(signing_key, nonce, **claims):
    now = int(time.time())
    payload = {
        "iss": f"{PROVIDER}/{TENANT}/v2.0",
        "aud": CLIENT_ID,
        "tid": TENANT,
        "iat": now,
        "exp": now + 600,
        "nonce": nonce,
        "sub": "abc",
        **claims,
    }
    return jwt.encode(payload, signing_key, algorithm="RS256")


# The button --------------------------------------------------------------------------------
def test_no_button_and_no_way_in_when_not_set_up(client, db):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with your council account" not in page
    assert client.get(reverse("oidc_authentication_init")).status_code == 404


def test_the_button_is_on_the_sign_in_page_when_set_up(client, db, sso):
    page = client.get(reverse("login") + "?next=/children/").content.decode()
    assert "Sign in with your council account" in page
    assert f'href="{reverse("oidc_authentication_init")}?next=/children/"' in page


def test_the_button_goes_to_the_council_sign_in_page(client, db, sso):
    response = client.get(reverse("oidc_authentication_init"))
    assert response.status_code == 302
    url = urlsplit(response.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{PROVIDER}/authorize"
    query = parse_qs(url.query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == ["openid email profile"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["http://testserver" + reverse("oidc_authentication_callback")]


# Coming back -------------------------------------------------------------------------------
def come_back(client, monkeypatch, signing_key, next_url="", **claims):
    start = reverse("oidc_authentication_init") + (f"?next={next_url}" if next_url else "")
    client.get(start)
    state, stored = next(iter(client.session["oidc_states"].items()))
    token = id_token(signing_key, stored["nonce"], **claims)
    # The one network call: the provider's token endpoint answers with the ID token.
    monkeypatch.setattr(
        CouncilAccountBackend,
        "get_token",
        lambda self, payload: {"id_token": token, "access_token": "unused"},
    )
    return client.get(reverse("oidc_authentication_callback"), {"code": "c", "state": state})


def test_a_council_account_signs_in_the_person_with_that_email(
    client, iro, sso, monkeypatch, signing_key
):
    response = come_back(
        client, monkeypatch, signing_key, next_url="/children/", email=iro.email.upper()
    )
    assert response.url == "/children/"
    assert client.session["_auth_user_id"] == str(iro.pk)
    assert client.get("/children/").status_code == 200


def test_the_sign_in_name_is_used_when_the_token_has_no_email(
    client, iro, sso, monkeypatch, signing_key
):
    come_back(client, monkeypatch, signing_key, preferred_username=iro.email)
    assert client.session["_auth_user_id"] == str(iro.pk)


@pytest.mark.parametrize("claims", [{"email": "stranger@example.org"}, {"name": "No Email"}])
def test_nobody_new_is_let_in(client, db, sso, monkeypatch, signing_key, claims):
    users = User.objects.count()
    response = come_back(client, monkeypatch, signing_key, **claims)
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == users
    page = client.get(response.url).content.decode()
    assert "You could not be signed in with your council account" in page


def test_an_inactive_person_is_not_let_in(client, iro, sso, monkeypatch, signing_key):
    iro.is_active = False
    iro.save()
    response = come_back(client, monkeypatch, signing_key, email=iro.email)
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session


def test_an_administrator_still_needs_a_code(client, db, sso, monkeypatch, signing_key):
    sso.OTP_REQUIRED_FOR_ADMINS = True
    admin = UserFactory(is_staff=True, is_superuser=True)
    response = come_back(client, monkeypatch, signing_key, next_url="/admin/", email=admin.email)
    assert client.session["_auth_user_id"] == str(admin.pk)
    assert client.get(response.url).url.startswith(reverse("two_factor_set_up"))


# The backend on its own --------------------------------------------------------------------
def test_the_backend_matches_by_email_whatever_the_case(iro, sso):
    backend = CouncilAccountBackend()
    assert list(backend.filter_users_by_claims({"email": f" {iro.email.upper()} "})) == [iro]
    assert list(backend.filter_users_by_claims({"preferred_username": iro.email})) == [iro]
    assert not backend.filter_users_by_claims({"preferred_username": "not-an-email"}).exists()
    assert not backend.filter_users_by_claims({}).exists()


def test_the_backend_never_creates_an_account_unless_allowed(db, sso):
    backend = CouncilAccountBackend()
    claims = {"email": "new.person@example.org", "name": "New Person"}
    assert backend.get_or_create_user("access", "id", claims) is None
    with pytest.raises(SuspiciousOperation):
        backend.create_user(claims)
    assert not User.objects.filter(email="new.person@example.org").exists()

    sso.OIDC_CREATE_USER = True
    created = CouncilAccountBackend().get_or_create_user("access", "id", claims)
    assert created.email == "new.person@example.org"
    assert created.full_name == "New Person"
    assert not created.is_staff


def test_the_backend_refuses_an_inactive_person(iro, sso):
    iro.is_active = False
    iro.save()
    backend = CouncilAccountBackend()
    assert backend.get_or_create_user("access", "id", {"email": iro.email}) is None
    assert backend.get_user(iro.pk) is None


@pytest.mark.parametrize("claims", [{"aud": "another-application"}, {"tid": "another-tenant"}])
def test_a_token_for_another_application_or_tenant_is_refused(db, sso, signing_key, claims):
    token = id_token(signing_key, "n", email="x@example.org", **claims)
    with pytest.raises(SuspiciousOperation):
        CouncilAccountBackend().verify_token(token, nonce="n")


def test_a_token_signed_with_another_key_is_refused(db, sso):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = id_token(other, "n", email="x@example.org")
    with pytest.raises(SuspiciousOperation):
        CouncilAccountBackend().verify_token(token, nonce="n")
