"""The one form a person fills in about their notifications: how reminders reach them."""

from __future__ import annotations

from crispy_forms_gds.layout import Field, Size
from django import forms
from django.db import transaction
from django.db.models import F

from prp.audit import update_recorded
from prp.forms import GovukFormMixin
from prp.models import User

from .models import DIGESTIBLE, Notification, Status

AS_THEY_HAPPEN = "as_they_happen"
DAILY_DIGEST = "daily_digest"


class NotificationSettingsForm(GovukFormMixin, forms.Form):
    submit_label = "Save your settings"

    delivery = forms.ChoiceField(
        label="How do you want to get reminders and chases?",
        help_text=(
            "Reminders and chases tell you when a response is due or overdue. Messages that "
            "need you to act now, like a task delegated to you, always arrive straight away."
        ),
        choices=[
            (AS_THEY_HAPPEN, "Send reminders and chases as they happen"),
            (DAILY_DIGEST, "One daily digest each working morning"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how you want to get reminders and chases",
            "invalid_choice": "Select how you want to get reminders and chases",
        },
    )

    def __init__(self, data=None, *, user: User, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        current = DAILY_DIGEST if user.wants_daily_digest else AS_THEY_HAPPEN
        self.fields["delivery"].initial = current
        self.helper = self.build_helper(Field.radios("delivery", legend_size=Size.MEDIUM))

    @transaction.atomic
    def save(self) -> User:
        wants_digest = self.cleaned_data["delivery"] == DAILY_DIGEST
        user = self.user
        user.wants_daily_digest = wants_digest
        # A step on the version, so an administrator's form loaded before this is refused.
        update_recorded(User.objects.filter(pk=user.pk), wants_daily_digest=wants_digest)
        User.objects.filter(pk=user.pk).update(lock_version=F("lock_version") + 1)
        if not wants_digest:
            # Reminders held back for a digest the person no longer wants go out on their own.
            Notification.objects.filter(
                recipient=user, status=Status.PENDING, by_digest=True, kind__in=DIGESTIBLE
            ).update(by_digest=False)
        return user
