"""GOV.UK error pages. They render without a database query, so they work when it is down."""

import sys

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from prp.refusals import StateRefused
from prp.security.kept import keep_on_csrf_failure


@login_not_required
def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


@login_not_required
def permission_denied(request, exception=None):
    reason = exception.reason if isinstance(exception, StateRefused) else ""
    return render(request, "errors/403.html", {"reason": reason}, status=403)


# Under the API's paths, a URL that matches nothing answers as the API does: RFC 9457 JSON.
API_PREFIX = "/api/"
API_NOT_FOUND = (
    '{"type": "about:blank", "title": "Not found", "status": 404, '
    '"detail": "There is no such address in the API. See /api/schema/."}'
)


@login_not_required
def page_not_found(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return HttpResponse(API_NOT_FOUND, status=404, content_type="application/problem+json")
    return render(request, "errors/404.html", status=404)


# Failures to reach the database, as opposed to a query it refused: the service is unavailable
# for now (503, try again shortly) rather than broken (500). Pages recover on their own once it
# is back, as each request opens its connection again.
UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


@login_not_required
def server_error(request):
    # Rendered without the request: no session or user lookup, which may be what failed.
    context = {
        "service_name": settings.SERVICE_NAME,
        "authority_name": settings.AUTHORITY_NAME,
        "service_phase": settings.PHASE,
    }
    page = loader.render_to_string("errors/500.html", context)
    # Django calls this while handling the exception, so it is still the current one.
    if isinstance(sys.exc_info()[1], UNAVAILABLE):
        response = HttpResponse(page, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(page)


@login_not_required
def csrf_failure(request, reason=""):
    # Usually the session the form was made in is gone: what was typed is kept if we can tell
    # whose it was. Otherwise a form left open too long: the 403 page says what to do.
    if kept := keep_on_csrf_failure(request):
        return kept
    return render(request, "errors/403.html", status=403)
