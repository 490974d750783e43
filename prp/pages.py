"""The page with one form: shown, sent, checked, handed to one service, then on to the next page.

Every such page binds its form with `posted(request)` and calls `form_page`, which reads the
result one way: the service refused if the form has errors afterwards (call_service puts them
there), and otherwise `done(result)` says where to go and what the banner says. A form that adds
a record carries a one-time token, so the save goes through submit_once: sent twice, it saves
once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render

from .forms import call_service
from .submissions import submit_once


@dataclass(frozen=True)
class Done:
    """Where the person goes after the service accepted the form, and the banner there."""

    url: str
    message: str = ""


def form_page(
    request,
    form: forms.Form,
    template: str,
    context: dict | Callable[[], dict],
    *,
    service: Callable[..., Any],
    arguments: Callable[[dict], dict],
    done: Callable[[Any], Done],
) -> HttpResponse:
    """Show `form` on `template`, or run `service` with `arguments(cleaned_data)` and follow
    `done(result)`. `context` may be a function, for what is only worth working out when the
    page is shown (again)."""
    if request.method == "POST" and form.is_valid():

        def save() -> str | None:
            result = call_service(form, service, **arguments(form.cleaned_data))
            if form.errors:
                return None
            after = done(result)
            if after.message:
                messages.success(request, after.message)
            return after.url

        if response := submit_once(request, form, save):
            return response
    shown = context() if callable(context) else context
    return render(request, template, {**shown, "form": form})
