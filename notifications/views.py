"""The in-app side of notifications: each person's own messages and how they get reminders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import receipts, selectors, services
from .forms import NotificationSettingsForm

PAGE_SIZE = 25


def site_path(url: str, request) -> str | None:
    """The notification's link if it is a path on this site, else None. A stored url is only
    ever followed as a path starting with one "/", so a message can never send anyone away."""
    if not url or not url.startswith("/") or url.startswith(("//", "/\\")):
        return None
    if not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return None
    return url


@require_GET
def notification_list(request):
    paginator = Paginator(selectors.notification_list(request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "page": page,
        "page_numbers": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "query": "",
    }
    return render(request, "notifications/notification_list.html", context)


@require_GET
def notification_detail(request, pk: int):
    notification = selectors.notification_get(request.user, pk)
    if notification.read_at is None:
        services.mark_read(request.user, pk=notification.pk)
    context = {"notification": notification, "link": site_path(notification.url, request)}
    return render(request, "notifications/notification_detail.html", context)


@require_GET
def notification_open(request, pk: int):
    """Follow a notification's link: it is then read. Without a safe link, show the message."""
    notification = selectors.notification_get(request.user, pk)
    services.mark_read(request.user, pk=notification.pk)
    target = site_path(notification.url, request)
    return redirect(target or reverse("notifications:notification_detail", args=[pk]))


@require_POST
def notification_mark_all_read(request):
    count = services.mark_read(request.user)
    if count:
        messages.success(request, "All your notifications are marked as read")
    return redirect("notifications:notification_list")


@require_http_methods(["GET", "POST"])
def notification_settings(request):
    data = request.POST if request.method == "POST" else None
    form = NotificationSettingsForm(data, user=request.user)
    if form.is_bound and form.is_valid():
        user = form.save()
        if user.wants_daily_digest:
            messages.success(request, "Reminders and chases will come in one daily digest")
        else:
            messages.success(request, "Reminders and chases will be sent as they happen")
        return redirect("notifications:notification_list")
    return render(request, "notifications/notification_settings.html", {"form": form})


@csrf_exempt  # GOV.UK Notify posts here, with its bearer token, not a form with our CSRF token
@login_not_required
@never_cache
@require_POST
def notify_receipt(request):
    """GOV.UK Notify's delivery receipt for one message (notifications.receipts). 204 when
    taken; 401, 403, 400 or 404, and nothing changed, when not."""
    try:
        services.record_receipt(request.body, request.headers.get("Authorization", ""))
    except receipts.Refused as refused:
        return JsonResponse({"error": refused.reason}, status=refused.status)
    return HttpResponse(status=204)
