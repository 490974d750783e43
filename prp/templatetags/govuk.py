"""Template helpers for GOV.UK Design System markup."""

from django import forms, template

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
