"""prp.pages.form_page, on its own: the one way a form page binds, calls its service and reads
the result (the pages' own tests check each page's words and targets)."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import RequestFactory

from prp import pages
from prp.forms import posted
from prp.models import FormSubmission
from prp.pages import Done, form_page
from prp.submissions import SubmitOnceForm
from tests.factories import UserFactory


class NameForm(forms.Form):
    name = forms.CharField()


class AddNameForm(SubmitOnceForm):
    name = forms.CharField()


@pytest.fixture
def shown(monkeypatch):
    """The template and context the page would render, instead of rendering them."""
    seen = {}

    def render(request, template, context):
        seen.update(template=template, context=context)
        return HttpResponse("shown")

    monkeypatch.setattr(pages, "render", render)
    return seen


def _request(method="get", data=None, user=None):
    request = getattr(RequestFactory(), method)("/page/", data or {})
    request._messages = CookieStorage(request)
    request.user = user
    return request


def _page(request, form, service, context=None):
    return form_page(
        request,
        form,
        "page.html",
        context if context is not None else {"thing": 1},
        service=service,
        arguments=lambda data: {"name": data["name"]},
        done=lambda result: Done(f"/done/{result}/", f"Saved {result}"),
    )


def _never(**kwargs):
    raise AssertionError("the service must not run")


def test_a_get_shows_the_unbound_form_with_the_context(shown):
    request = _request()
    form = NameForm(posted(request))
    response = _page(request, form, _never)
    assert response.content == b"shown"
    assert shown["template"] == "page.html"
    assert shown["context"] == {"thing": 1, "form": form}
    assert not form.is_bound


def test_an_invalid_post_shows_the_errors_without_calling_the_service(shown):
    request = _request("post")
    form = NameForm(posted(request))
    _page(request, form, _never)
    assert form.errors["name"]
    assert list(get_messages(request)) == []


def test_an_accepted_post_goes_where_done_says_with_its_banner(shown):
    request = _request("post", {"name": "Ada"})
    response = _page(request, NameForm(posted(request)), lambda name: name.upper())
    assert response.status_code == 302
    assert response.url == "/done/ADA/"
    assert [str(m) for m in get_messages(request)] == ["Saved ADA"]
    assert shown == {}


def test_a_refusal_shows_the_form_again_with_the_reason_and_no_banner(shown):
    def refuse(name):
        raise ValidationError({"name": "That name is taken"})

    request = _request("post", {"name": "Ada"})
    form = NameForm(posted(request))
    response = _page(request, form, refuse)
    assert response.content == b"shown"
    assert form.errors["name"] == ["That name is taken"]
    assert list(get_messages(request)) == []


def test_a_service_that_returns_nothing_has_still_succeeded(shown):
    request = _request("post", {"name": "Ada"})
    response = _page(request, NameForm(posted(request)), lambda name: None)
    assert response.url == "/done/None/"


def test_a_banner_is_left_out_when_done_gives_none(shown):
    request = _request("post", {"name": "Ada"})
    response = form_page(
        request,
        NameForm(posted(request)),
        "page.html",
        {},
        service=lambda name: name,
        arguments=lambda data: {"name": data["name"]},
        done=lambda result: Done("/next/"),
    )
    assert response.url == "/next/"
    assert list(get_messages(request)) == []


def test_context_given_as_a_function_is_worked_out_only_when_shown(shown):
    worked_out = []

    def context():
        worked_out.append(True)
        return {"late": 2}

    request = _request("post", {"name": "Ada"})
    _page(request, NameForm(posted(request)), lambda name: name, context=context)
    assert worked_out == []
    request = _request("post", {})
    _page(request, NameForm(posted(request)), _never, context=context)
    assert worked_out == [True]
    assert shown["context"]["late"] == 2


@pytest.mark.django_db
def test_a_form_that_adds_saves_once_however_often_it_is_sent(shown):
    user = UserFactory()
    saved = []
    first = AddNameForm()
    token = str(first["submission_token"].value())
    for _ in range(2):
        request = _request("post", {"name": "Ada", "submission_token": token}, user=user)
        response = _page(request, AddNameForm(posted(request)), lambda name: saved.append(name))
        assert response.url == "/done/None/"
    assert saved == ["Ada"]
    assert FormSubmission.objects.filter(user=user).count() == 1
