"""Template helpers for GOV.UK Design System markup."""

from django import forms, template
from django.utils import timezone

register = template.Library()


@register.filter
def error_anchor(bound_field, field_id: str) -> str:
    """Where an error summary link should land: the first radio, checkbox or date box.

    crispy-forms-gds numbers radios and checkboxes from 1 and date boxes from 0, so a link to
    the bare field id would land nowhere.
    """
    widget = bound_field.field.widget
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{field_id}_1"
    if isinstance(widget, forms.MultiWidget) and field_id == bound_field.auto_id:
        return f"{field_id}_0"
    return field_id


@register.filter
def summary_errors(bound_field) -> list[tuple[str, str]]:
    """The field's errors for the error summary, each with where its link lands: one line per
    message (GOV.UK), so a date wrong in all three boxes is one line, linked to the first box
    that is wrong."""
    boxes = getattr(bound_field.field, "fields", ())
    lines = []
    for error in dict.fromkeys(bound_field.errors):
        anchor = error_anchor(bound_field, bound_field.auto_id)
        for index, box in enumerate(boxes):
            if error in getattr(box.widget, "errors", []):
                anchor = f"{bound_field.auto_id}_{index}"
                break
        lines.append((anchor, error))
    return lines


@register.filter
def govuk_datetime(value) -> str:
    """A date and time in GOV.UK style: 8 December 2023 at 4:07pm, with midday and midnight."""
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{local.day} {local:%B %Y} at {govuk_time(local)}"


@register.filter
def govuk_time(value) -> str:
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    if (local.hour, local.minute) == (12, 0):
        return "midday"
    if (local.hour, local.minute) == (0, 0):
        return "midnight"
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'}"
