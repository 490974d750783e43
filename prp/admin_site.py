"""The admin site, with one change: someone signed in without admin rights gets the GOV.UK 403.

Django's admin sends them to its sign-in page, which is the service's (config/urls.py); that page
sees them signed in and sends them back to the admin, and round again.
"""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied

REFUSED = "Only administrators can use the admin site."


class ServiceAdminSite(admin.AdminSite):
    def admin_view(self, view, cacheable=False):
        checked = super().admin_view(view, cacheable)

        @wraps(view)
        def refuse_signed_in_without_rights(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied(REFUSED)
            return checked(request, *args, **kwargs)

        return refuse_signed_in_without_rights


class ServiceAdminConfig(AdminConfig):
    """Makes `admin.site` the ServiceAdminSite, as Django documents for a custom default site."""

    default_site = "prp.admin_site.ServiceAdminSite"
