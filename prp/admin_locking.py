"""Stale edits in the admin are refused, as they are in the app.

The change form carries the version of the row it was loaded at (a hidden `edit_version`). On
saving, the row is locked (the admin saves in one transaction) and, if its version has moved on
since, the form is shown again with "… was changed by someone else" in the error summary and
nothing is saved. Inlines (a protocol's stages, a child's allocations) are saved with their
parent's form, so the parent's version guards them too.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ValidationError

FIELD = "edit_version"


def stale_message(obj) -> str:
    name = obj._meta.verbose_name
    return (
        f"This {name} was changed by someone else while you were editing it, so your changes "
        "have not been saved. Open it again to see the latest version, then make your changes."
    )


class VersionCheckedForm(forms.ModelForm):
    """Mixed into the admin's form for an existing row: refuses a save from an old version."""

    edit_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[FIELD].initial = self.instance.lock_version

    def clean(self):
        data = super().clean()
        if self.instance.pk is None:
            return data
        # Locked until the admin's transaction ends, so nobody can save in between.
        current = (
            type(self.instance)
            ._default_manager.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("lock_version", flat=True)
            .first()
        )
        if data.get(FIELD) != current:
            # The form shown again carries the version now saved: saving it again is a
            # deliberate choice made after the warning, never a silent overwrite.
            self.data = self.data.copy()
            self.data[self.add_prefix(FIELD)] = str(current)
            raise ValidationError(stale_message(self.instance), code="stale")
        return data


def with_version_check(form_class):
    return type(form_class.__name__, (VersionCheckedForm, form_class), {})


class VersionedAdminMixin:
    """For a ModelAdmin whose model has a `lock_version`: put it before the ModelAdmin class."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = with_version_check(kwargs.get("form", self.form))
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        shown = flatten_fieldsets(fieldsets)
        if obj is not None and FIELD not in shown and self.has_change_permission(request, obj):
            fieldsets.append((None, {"fields": [FIELD], "classes": ["hidden"]}))
        return fieldsets

    def save_model(self, request, obj, form, change):
        if change:
            # Checked against the locked row in the form's clean().
            obj.lock_version = form.cleaned_data[FIELD] + 1
        super().save_model(request, obj, form, change)
