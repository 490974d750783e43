"""The form kit's side of keeping what was typed when a session ended (prp/security/kept.py)."""

from django import template
from django.utils.html import format_html

from prp.security import kept

register = template.Library()


@register.simple_tag(takes_context=True)
def form_owner_field(context) -> str:
    """Whose page a form is on, signed: a form posted after the session ended still says who
    typed it, so it can be kept for them alone."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    value = kept.owner_field_value(user)
    return format_html('<input type="hidden" name="{}" value="{}">', kept.OWNER_FIELD, value)


@register.inclusion_tag("includes/kept_form_banner.html", takes_context=True)
def restore_kept(context, form):
    """Puts back what the person typed into this form before their session ended, with a
    banner saying it was not sent."""
    return {"restored": kept.restore(context.get("request"), form) is not None}
