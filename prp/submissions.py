"""Forms that add something do it once, however often they are posted.

A creating form carries a one-time token (a hidden field, fresh each time the page is shown).
`submit_once` claims the token and saves in one transaction: the same form posted again (a double
click, or back and submit again) finds the token claimed and is sent where the first submission
went, with nothing added twice. If the first submission was refused, the claim is rolled back
with it, so the corrected form can be sent. Two posts at the same moment queue on the unique
key: the second sees the first's outcome.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import redirect

from .models import FormSubmission

TOKEN = "submission_token"
ALREADY_SENT = "You had already sent this form, so it was not saved a second time."


class SubmissionTokenField(forms.UUIDField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", uuid.uuid4)
        kwargs.setdefault(
            "error_messages", {"invalid": "The page was out of date. Refresh it and try again."}
        )
        super().__init__(**kwargs)


class SubmitOnceForm(forms.Form):
    """The base of every form that adds a record."""

    submission_token = SubmissionTokenField()

    def full_clean(self):
        super().full_clean()
        # A hidden field has no place on the page for its error: it goes to the top instead.
        if self.is_bound:
            for message in self._errors.pop(TOKEN, []):
                self.add_error(None, message)


def submit_once(request, form: forms.Form, save: Callable[[], str | None]) -> HttpResponse | None:
    """Run `save` once for this form's token: it saves and returns the address to go to, or
    None if it refused (the form then has the errors to show). Returns the redirect to follow,
    or None to show the form again.

    A post without a token (not sent from one of our pages) is saved as it is.
    """
    token = form.cleaned_data.pop(TOKEN, None)
    if token is None:
        url = save()
        return redirect(url) if url else None
    with transaction.atomic():
        try:
            with transaction.atomic():
                FormSubmission.objects.create(user=request.user, token=token)
        except IntegrityError:
            return _already_sent(request, token)
        url = save()
        if url is None:
            transaction.set_rollback(True)
            return None
        FormSubmission.objects.filter(user=request.user, token=token).update(url=url)
    return redirect(url)


def _already_sent(request, token) -> HttpResponse:
    earlier = FormSubmission.objects.filter(user=request.user, token=token).first()
    messages.info(request, ALREADY_SENT)
    return redirect(earlier.url if earlier and earlier.url else "home")
