"""Raising a draft through its pages: the "Delegate and raise" form, then the check page's
"Raise the concern" (issue 19: nothing is raised before the answers are checked)."""

from __future__ import annotations

from django.urls import reverse


def raise_through_check(client, raise_url: str, data: dict, **kwargs):
    """Post the answers and, when the form takes them to the check page, press "Raise the
    concern" there. A refused form's page is returned as it is (nothing was raised)."""
    response = client.post(raise_url, data)
    if response.status_code != 302 or not response["Location"].endswith("/raise/check/"):
        return response
    return client.post(response["Location"], {}, **kwargs)


def check_url(concern) -> str:
    return reverse("escalations:concern_raise_check", args=[concern.pk])
