from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import idle, two_factor


@receiver(user_logged_in)
def on_sign_in(sender, request, user, **kwargs):
    # Worked out once here, so ordinary pages need no device query to know.
    request.session[two_factor.SESSION_FLAG] = two_factor.must_verify(user)
    idle.record_activity(request, force=True)
