"""The admin's list of failed sign-ins, headed by what is locked now, each with an Unlock button."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_ipv46_address
from django.shortcuts import redirect
from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from . import lockout


class SignInLockAdmin(AccessAttemptAdmin):
    change_list_template = "admin/axes/accessattempt/sign_in_locks.html"

    def get_urls(self):
        unlock = path(
            "unlock/",
            self.admin_site.admin_view(self.unlock_view),
            name="axes_accessattempt_unlock",
        )
        return [unlock, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        context = {
            "locked_accounts": lockout.locked_accounts(),
            "locked_addresses": lockout.locked_addresses(),
            "account_limit": settings.AXES_FAILURE_LIMIT,
            "address_limit": settings.SIGN_IN_ADDRESS_FAILURE_LIMIT,
            "lockout_minutes": settings.SIGN_IN_LOCKOUT_MINUTES,
            "may_unlock": self.has_delete_permission(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    @method_decorator(require_POST)
    def unlock_view(self, request):
        if not self.has_delete_permission(request):
            raise PermissionDenied("Only an administrator can unlock sign-in.")
        address = request.POST.get("address", "").strip()
        try:
            validate_ipv46_address(address)
        except ValidationError:
            messages.error(request, "Nothing was unlocked: that is not a network address.")
            return redirect("admin:axes_accessattempt_changelist")
        username = request.POST.get("username") if request.POST.get("scope") == "account" else None
        count = lockout.unlock(address=address, username=username)
        what = username if username is not None else "every email address"
        if count:
            messages.success(request, f"Signing in as {what} from {address} is unlocked.")
        else:
            messages.info(request, f"Signing in as {what} from {address} was not locked.")
        return redirect("admin:axes_accessattempt_changelist")

    # Removing records by hand unlocks too, and is written in the audit trail the same way.
    def delete_model(self, request, obj):
        lockout.forget(AccessAttempt.objects.filter(pk=obj.pk), unlocked="email address")

    def delete_queryset(self, request, queryset):
        lockout.forget(queryset, unlocked="email address")


def register() -> None:
    if admin.site.is_registered(AccessAttempt):
        admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, SignInLockAdmin)
